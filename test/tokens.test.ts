import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { TrustedKeySet } from '../subgraphs/common/platform/auth/key-set';
import { newKeyPair, publicHalf, signingKeyOf } from '../subgraphs/common/platform/auth/keys';
import { ServicePeers, signServiceToken } from '../subgraphs/common/platform/auth/service-credential';
import {
  bearerToken,
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  InvalidToken,
  issueToken,
  MAX_TOKEN_LIFETIME_SECONDS,
  type TokenPolicy,
  verifyToken,
} from '../subgraphs/common/platform/auth/tokens';

/** Caller tokens: Ed25519 JWTs checked with public keys only; every other form is refused. */
const portal = { role: Role.PROVINCIAL_PORTAL, subject: 'portal-32', province: '32' };
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  role: Role.PROVINCIAL_PORTAL,
  province: '32',
  sub: 'portal-32',
  iss: DEFAULT_ISSUER,
  aud: DEFAULT_AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...extra,
});

async function setup() {
  const idp = await newKeyPair('idp-1');
  const keys = TrustedKeySet.fromSet({ keys: [idp.publicJwk] }, 'test JWKS');
  const policy: TokenPolicy = { keys, issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE };
  return { idp, policy };
}

async function refused(policy: TokenPolicy, token: string, message = /not valid/): Promise<void> {
  await assert.rejects(
    verifyToken(policy, token),
    (error: Error) => error instanceof InvalidToken && message.test(error.message),
  );
}

describe('caller tokens', () => {
  test('a token we issue verifies with jose and the public key; one jose signs verifies with ours', async () => {
    const { idp, policy } = await setup();
    const token = await issueToken({ privateJwk: idp.privateJwk }, { ...portal, ttlSeconds: 600 });
    const { payload, protectedHeader } = await jwtVerify(token, policy.keys.resolve, {
      issuer: DEFAULT_ISSUER,
      audience: DEFAULT_AUDIENCE,
    });
    assert.deepEqual([protectedHeader.alg, protectedHeader.kid], ['EdDSA', 'idp-1']);
    assert.deepEqual(
      [payload.sub, payload.role, payload.province, (payload.exp as number) - (payload.iat as number)],
      ['portal-32', Role.PROVINCIAL_PORTAL, '32', 600],
    );
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const es = { ...(await exportJWK(publicKey)), kid: 'idp-es', alg: 'ES256' };
    const esPolicy = { ...policy, keys: TrustedKeySet.fromSet({ keys: [idp.publicJwk, es] }, 'two keys') };
    const member = await new SignJWT({ role: Role.MEMBER })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-es' })
      .setSubject('320500-00000001')
      .setIssuer(DEFAULT_ISSUER)
      .setAudience([DEFAULT_AUDIENCE, 'elsewhere'])
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    assert.deepEqual(await verifyToken(esPolicy, member), {
      role: Role.MEMBER,
      subject: '320500-00000001',
      memberId: '320500-00000001',
      province: '32',
    });
  });

  test('every other form is refused: alg confusion, alg none, another key, wrong claims', async () => {
    const { idp, policy } = await setup();
    const good = await issueToken({ privateJwk: idp.privateJwk }, portal);
    const [header, payload, signature] = good.split('.');
    // alg confusion: an HS256 token whose HMAC key is the public key, as text and as raw bytes
    for (const key of [
      Buffer.from(JSON.stringify(idp.publicJwk)),
      Buffer.from(idp.publicJwk.x as string, 'base64url'),
    ]) {
      const input = `${b64({ alg: 'HS256', kid: 'idp-1' })}.${b64(claims())}`;
      await refused(policy, `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`);
    }
    await refused(policy, `${b64({ alg: 'none', kid: 'idp-1' })}.${payload}.`);
    await refused(policy, `${header}.${b64(claims({ province: '51' }))}.${signature}`);
    await refused(
      policy,
      `${header}.${payload}.${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`,
    );
    const forger = await newKeyPair('idp-1');
    await refused(policy, await issueToken({ privateJwk: forger.privateJwk }, portal), /not valid/);
    const stranger = await newKeyPair('idp-2');
    await refused(policy, await issueToken({ privateJwk: stranger.privateJwk }, portal), /not valid/);
    const withClaims = async (extra: Record<string, unknown>) => {
      const { exp, ...rest } = claims(extra);
      const jwt = new SignJWT(rest).setProtectedHeader({ alg: 'EdDSA', kid: 'idp-1' });
      if (exp !== undefined) jwt.setExpirationTime(exp as number);
      return jwt.sign(await signingKeyOf(idp.privateJwk));
    };
    await refused(policy, await withClaims({ iss: 'someone-else' }));
    await refused(policy, await withClaims({ aud: 'another-graph' }));
    await refused(policy, await withClaims({ exp: undefined }));
    await refused(policy, await withClaims({ exp: now() - 1 }), /expired/);
    await refused(policy, await withClaims({ nbf: now() + 600 }));
    await refused(policy, await withClaims({ role: 'ADMIN' }), /no valid caller/);
    await refused(policy, await withClaims({ role: Role.SERVICE, sub: 'national' }), /no valid caller/);
    await refused(policy, `${good}.extra`);
    await refused(policy, `${header}.${payload}`);
  });

  test('a token that lives longer than 30 days is refused, and so is one that does not say when it was issued', async () => {
    const { idp, policy } = await setup();
    const signed = async (extra: Record<string, unknown>) => {
      const { iat, exp, ...rest } = claims(extra);
      const jwt = new SignJWT(rest).setProtectedHeader({ alg: 'EdDSA', kid: 'idp-1' }).setExpirationTime(exp as number);
      if (iat !== undefined) jwt.setIssuedAt(iat as number);
      return jwt.sign(await signingKeyOf(idp.privateJwk));
    };
    assert.equal(MAX_TOKEN_LIFETIME_SECONDS, 30 * 86_400);
    const t = now();
    const atMost = await signed({ iat: t, exp: t + MAX_TOKEN_LIFETIME_SECONDS });
    assert.equal((await verifyToken(policy, atMost)).role, Role.PROVINCIAL_PORTAL);
    await refused(policy, await signed({ iat: t, exp: t + MAX_TOKEN_LIFETIME_SECONDS + 1 }), /longer than 30 days/);
    await refused(policy, await signed({ iat: t - 3600, exp: t + MAX_TOKEN_LIFETIME_SECONDS }), /longer than 30 days/);
    await refused(policy, await signed({ iat: t, exp: t + 99_999_999_999 }), /longer than 30 days/);
    await refused(policy, await signed({ iat: undefined }));
    for (const ttlSeconds of [0, -5, MAX_TOKEN_LIFETIME_SECONDS + 1, 1.5]) {
      await assert.rejects(
        issueToken({ privateJwk: idp.privateJwk }, { ...portal, ttlSeconds }),
        RangeError,
        `ttl ${ttlSeconds} is not issued`,
      );
    }
  });

  test('a verified token is remembered only while its key is live and until it expires', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
    try {
      const [first, second] = [await newKeyPair('idp-1'), await newKeyPair('idp-2')];
      const file = join(dir, 'jwks.json');
      const write = (...pairs: (typeof first)[]) =>
        writeFileSync(file, JSON.stringify({ keys: pairs.map((p) => p.publicJwk) }));
      write(first);
      const keys = await TrustedKeySet.load({ file }, { label: 'test JWKS' });
      const policy = { keys, issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE };
      const old = await issueToken({ privateJwk: first.privateJwk }, { ...portal, ttlSeconds: 1 });
      assert.equal((await verifyToken(policy, old)).subject, 'portal-32');
      // Rotation: both keys live; a token of the new key is accepted at once (an unknown kid reads the set again).
      write(second, first);
      await setTimeout(1100);
      const fresh = await issueToken({ privateJwk: second.privateJwk }, portal);
      assert.equal((await verifyToken(policy, fresh)).subject, 'portal-32');
      await refused(policy, old, /expired/);
      // Retirement: the previous key leaves the set; its tokens are refused even when verified before.
      const longOld = await issueToken({ privateJwk: first.privateJwk }, portal);
      assert.equal((await verifyToken(policy, longOld)).subject, 'portal-32');
      write(second);
      await keys.reload();
      await refused(policy, longOld);
      assert.equal((await verifyToken(policy, fresh)).subject, 'portal-32');
      keys.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a key set that cannot be read stops the start with a clear message; a private key in it is refused', async () => {
    await assert.rejects(
      TrustedKeySet.load({ url: 'http://127.0.0.1:9/jwks.json' }, { label: "the identity provider's JWKS" }),
      /cannot read the identity provider's JWKS from http:\/\/127\.0\.0\.1:9\/jwks\.json: .*does not start/,
    );
    const pair = await newKeyPair('idp-1');
    await assert.rejects(
      TrustedKeySet.load({ inline: JSON.stringify({ keys: [pair.privateJwk] }) }, { label: 'JWKS' }),
      /private key/,
    );
    await assert.rejects(TrustedKeySet.load({ inline: '{"keys": []}' }, { label: 'JWKS' }), /holds no key/);
    assert.deepEqual(publicHalf(pair.privateJwk), pair.publicJwk);
  });

  test('the bearer scheme is case-insensitive', () => {
    for (const header of ['Bearer abc', 'bearer abc', 'BEARER abc', 'bEaReR  abc '])
      assert.equal(bearerToken(header), 'abc', header);
    for (const header of [undefined, '', 'Basic abc', 'Bearer', 'Bearerabc', 'Bearer a b'])
      assert.equal(bearerToken(header), undefined, header);
  });
});

describe('service tokens', () => {
  test('a service token names the deployment whose key signed it, and no other', async () => {
    const [national, province] = [await newKeyPair('national'), await newKeyPair('province-32')];
    const peers = new ServicePeers(TrustedKeySet.fromSet({ keys: [national.publicJwk] }, 'peers'));
    assert.equal(await peers.peerOf(`Bearer ${await signServiceToken(national.privateJwk)}`), 'national');
    assert.equal(
      await peers.peerOf(`Bearer ${await signServiceToken(province.privateJwk)}`),
      undefined,
      'an untrusted deployment',
    );
    const posing = await newKeyPair('national'); // a province's key named "national"
    assert.equal(
      await peers.peerOf(`Bearer ${await signServiceToken(posing.privateJwk)}`),
      undefined,
      "a key that is not national's",
    );
    const caller = await issueToken({ privateJwk: national.privateJwk }, portal);
    assert.equal(await peers.peerOf(`Bearer ${caller}`), undefined, 'a caller token is not a service token');
  });
});
