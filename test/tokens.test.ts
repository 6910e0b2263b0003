import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { jwtVerify, SignJWT } from 'jose';
import { Role } from '../subgraphs/common/auth/caller';
import { InvalidToken, issueToken, verifyToken } from '../subgraphs/common/auth/tokens';

/** Tokens are standard HS256 JWTs: jose (an independent implementation) agrees with ours both ways. */
const SECRET = Buffer.alloc(32, 3).toString('base64url');
const OTHER_SECRET = Buffer.alloc(32, 4).toString('base64url');
const KEY = Buffer.from(SECRET, 'base64url');
const ISSUER = 'medical-wallet-platform';
const AUDIENCE = 'medical-wallet-graph';
const portal = { role: Role.PROVINCIAL_PORTAL, subject: 'portal-32', province: '32' };

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  role: Role.PROVINCIAL_PORTAL, province: '32', sub: 'portal-32', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600, ...extra,
});

/** A token signed by hand, so any header and payload can be tried. */
function handMade(header: unknown, payload: unknown, algorithm = 'sha256', key: Buffer = KEY): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(algorithm, key).update(input).digest('base64url')}`;
}

async function refused(token: string, message = /not valid/): Promise<void> {
  await assert.rejects(verifyToken(SECRET, token), (error: Error) => error instanceof InvalidToken && message.test(error.message));
}

describe('tokens', () => {
  test('a token we issue verifies with jose, with our issuer and audience', async () => {
    const token = await issueToken(SECRET, { ...portal, ttlSeconds: 600 });
    const { payload, protectedHeader } = await jwtVerify(token, new Uint8Array(KEY), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
    assert.equal(protectedHeader.alg, 'HS256');
    assert.deepEqual([payload.sub, payload.role, payload.province, (payload.exp as number) - (payload.iat as number)], ['portal-32', Role.PROVINCIAL_PORTAL, '32', 600]);
  });

  test('a token jose signs verifies with ours and names its caller', async () => {
    const token = await new SignJWT({ role: Role.MEMBER }).setProtectedHeader({ alg: 'HS256' }).setSubject('320500-00000001')
      .setIssuer(ISSUER).setAudience([AUDIENCE, 'elsewhere']).setIssuedAt().setExpirationTime('10m').sign(new Uint8Array(KEY));
    assert.deepEqual(await verifyToken(SECRET, token), { role: Role.MEMBER, subject: '320500-00000001', memberId: '320500-00000001', province: '32' });
  });

  test('every other form is refused', async () => {
    const good = handMade({ alg: 'HS256', typ: 'JWT' }, claims());
    assert.equal((await verifyToken(SECRET, good)).role, Role.PROVINCIAL_PORTAL, 'the hand-made baseline is valid');
    const [header, payload, signature] = good.split('.');
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    await refused(`${b64({ alg: 'none' })}.${payload}.`);
    await refused(handMade({ alg: 'HS512' }, claims(), 'sha512'));
    await refused(handMade({ alg: 'HS256', crit: ['exp'] }, claims()));
    await refused(handMade({ alg: 'HS256', typ: 'JOSE+JSON' }, claims()));
    await refused(`${header}.${b64(claims({ province: '51' }))}.${signature}`, /not valid/);
    await refused(`${header}.${payload}.${flipped}`);
    await refused(handMade({ alg: 'HS256' }, claims(), 'sha256', Buffer.from(OTHER_SECRET, 'base64url')));
    await refused(handMade({ alg: 'HS256' }, claims({ iss: 'someone-else' })));
    await refused(handMade({ alg: 'HS256' }, claims({ aud: 'another-graph' })));
    await refused(handMade({ alg: 'HS256' }, claims({ exp: undefined })));
    await refused(handMade({ alg: 'HS256' }, claims({ exp: now() - 1 })), /expired/);
    await refused(handMade({ alg: 'HS256' }, claims({ nbf: now() + 600 })), /not valid yet/);
    await refused(handMade({ alg: 'HS256' }, claims({ role: 'ADMIN' })), /no valid caller/);
    await refused(handMade({ alg: 'HS256' }, ['an', 'array']));
    await refused(`${handMade({ alg: 'HS256' }, claims())}.extra`);
    await refused(`${header}.${payload}`);
    const notJson = `${header}.${b64('not json')}`;
    await refused(`${notJson}.${createHmac('sha256', KEY).update(notJson).digest('base64url')}`);
  });

  test('a verified token is remembered only for the secret that verified it, and only until it expires', async () => {
    const token = await issueToken(SECRET, { ...portal, ttlSeconds: 1 });
    assert.equal((await verifyToken(SECRET, token)).subject, 'portal-32');
    await assert.rejects(verifyToken(OTHER_SECRET, token), InvalidToken);
    assert.equal((await verifyToken(SECRET, token)).subject, 'portal-32', 'still valid for its own secret');
    const expiresAtMs = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp * 1000;
    await setTimeout(Math.max(0, expiresAtMs - Date.now()) + 50);
    await refused(token, /expired/);
  });
});
