import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JWK } from 'jose';
import {
  deploymentKey,
  jwksFile,
  privateKeyFile,
  retirePreviousIdentityKeys,
  rotateIdentityKey,
} from '../cluster/keys';
import { freePort, type ServiceProcess, startServiceProcess } from '../cluster/service-process';
import { manifestOf, sha256 } from '../gateway/trusted-documents';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { signServiceToken } from '../subgraphs/common/platform/auth/service-credential';
import { issueToken } from '../subgraphs/common/platform/auth/tokens';
import { enrol, moneySnapshot, startTestCluster, type TestCluster } from './support/cluster-fixture';

/**
 * Trust between the parties: callers' tokens from the identity provider's key, a key per
 * deployment for internal calls, nothing told before authentication. Through the gateway and
 * against every subgraph called directly.
 */
let cluster: TestCluster;
let member: string;
const PARTIES = ['gateway', 'national', 'province-32', 'province-51', 'test'];
const GATEWAY_SCRIPT = join(__dirname, '..', 'gateway', 'main.js');
const PROVINCE_SCRIPT = join(__dirname, '..', 'subgraphs', 'province', 'main.js');

before(async () => {
  cluster = await startTestCluster(['32', '51']);
  member = await enrol(cluster, { region: '320500', currentYear: '100.00' });
});

after(async () => {
  await cluster?.stop();
});

interface Answer {
  status: number;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
}

async function post(
  url: string,
  query: string,
  authorization?: string,
  variables: Record<string, unknown> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Answer['body'] };
}

const codesOf = (answer: Answer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);
const graphs = () => ({
  gateway: cluster.gatewayUrl,
  national: `${cluster.national.baseUrl}/graphql`,
  'province 32': `${cluster.provinces.get('32')?.baseUrl}/graphql`,
});
const serviceToken = async (party: string) =>
  signServiceToken((await deploymentKey(cluster.keysDir, party)).privateJwk);
/** A key of `party` that names itself as `posingAs` (a province's key used to pose as another party). */
const posing = async (party: string, posingAs: string): Promise<JWK> => ({
  ...(await deploymentKey(cluster.keysDir, party)).privateJwk,
  kid: posingAs,
});

/** The kids of the private JWKs a text holds (a JWK, or a JWK Set), if it is JSON. */
function privateKidsIn(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const keys = (
    Array.isArray((value as { keys?: unknown })?.keys) ? (value as { keys: JWK[] }).keys : [value]
  ) as JWK[];
  return keys.filter((k) => typeof k === 'object' && k !== null && 'd' in k).map((k) => String(k.kid));
}

async function internalCall(baseUrl: string, operation: string, token: string, input: unknown = {}): Promise<number> {
  const response = await fetch(`${baseUrl}/internal/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  await response.body?.cancel();
  return response.status;
}

describe('nothing is told before authentication', () => {
  test('no data, no __typename, no field suggestions, at the gateway and at every subgraph', async () => {
    for (const [where, url] of Object.entries(graphs())) {
      for (const query of [
        '{ __typename }',
        '{ membr(id: "x") { id } }',
        '{ provinces { edges { node { code } } } }',
        '{ __schema { types { name } } }',
        'query {',
      ]) {
        const answer = await post(url, query);
        assert.equal(answer.status, 401, `${where} ${query}`);
        assert.deepEqual(codesOf(answer), ['UNAUTHENTICATED'], `${where} ${query}`);
        assert.ok(!('data' in answer.body), `${where} ${query}: no data at all`);
        assert.doesNotMatch(
          answer.text,
          /Did you mean|member|Query|__typename/,
          `${where} ${query}: nothing about the graph`,
        );
      }
    }
  });

  test("a subgraph tells its SDL to the gateway's service token only", async () => {
    const portal = `Bearer ${await cluster.token({ portal: '32' })}`;
    for (const url of [graphs().national, graphs()['province 32']]) {
      assert.deepEqual(codesOf(await post(url, '{ _service { sdl } }')), ['UNAUTHENTICATED']);
      assert.deepEqual(codesOf(await post(url, '{ _service { sdl } }', portal)), ['FORBIDDEN']);
      for (const party of ['national', 'province-51', 'test']) {
        assert.deepEqual(
          codesOf(await post(url, '{ _service { sdl } }', `Bearer ${await serviceToken(party)}`)),
          ['UNAUTHENTICATED'],
          party,
        );
      }
      const gateway = `Bearer ${await serviceToken('gateway')}`;
      assert.equal(typeof (await post(url, '{ _service { sdl } }', gateway)).body.data?._service, 'object');
      assert.deepEqual(
        codesOf(await post(url, '{ _service { sdl } __typename }', gateway)),
        ['FORBIDDEN'],
        'the SDL and nothing else',
      );
      const more = await post(url, '{ provinces { edges { node { code } } } }', gateway);
      assert.ok(codesOf(more).length > 0 && !more.body.data, 'nor any data');
    }
  });

  test('the bearer scheme is case-insensitive', async () => {
    const token = await cluster.token({ member });
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const answer = await post(
        cluster.gatewayUrl,
        'query($id: ID!) { member(id: $id) { id } }',
        `${scheme} ${token}`,
        { id: member },
      );
      assert.deepEqual(answer.body.data, { member: { id: member } }, scheme);
    }
  });
});

describe('no party can act as another', () => {
  test("every deployment's service token is refused on the graph, at the gateway and at every subgraph", async () => {
    for (const party of PARTIES) {
      const token = `Bearer ${await serviceToken(party)}`;
      for (const [where, url] of Object.entries(graphs())) {
        const answer = await post(
          url,
          'query($id: ID!) { member(id: $id) { id } provinces { edges { node { code } } } }',
          token,
          { id: member },
        );
        assert.ok(
          codesOf(answer).length > 0 && !answer.body.data,
          `${party} at ${where}: refused, no data: ${answer.text.slice(0, 200)}`,
        );
        if (party !== 'gateway') assert.deepEqual(codesOf(answer), ['UNAUTHENTICATED'], `${party} at ${where}`);
      }
    }
  });

  test("a token made with a province's key is refused as the dashboard, a portal, a member, another province and national", async () => {
    const before = await moneySnapshot(cluster);
    const key51 = (await deploymentKey(cluster.keysDir, 'province-51')).privateJwk;
    const asCaller = [
      await issueToken({ privateJwk: key51 }, { role: Role.NATIONAL_DASHBOARD, subject: 'dashboard' }),
      await issueToken({ privateJwk: key51 }, { role: Role.PROVINCIAL_PORTAL, subject: 'portal-32', province: '32' }),
      await issueToken(
        { privateJwk: { ...key51, kid: cluster.identity.privateJwk.kid } },
        { role: Role.MEMBER, subject: member },
      ),
    ];
    for (const token of asCaller) {
      for (const [where, url] of Object.entries(graphs())) {
        const answer = await post(
          url,
          'query($id: ID!) { member(id: $id) { id } provinces { edges { node { code } } } }',
          `Bearer ${token}`,
          { id: member },
        );
        assert.equal(answer.status, 401, where);
        assert.deepEqual(codesOf(answer), ['UNAUTHENTICATED'], where);
      }
    }
    const province32 = cluster.provinces.get('32')?.baseUrl ?? '';
    const enrolInput = {
      idNumber: '11010519491231002X',
      name: '测试',
      insuranceType: 'RESIDENT',
      poolingRegion: '320500',
    };
    // Province 51's own token, and its key posing as province 32, as national and as the gateway: refused by province 32.
    for (const posingAs of ['province-51', 'province-32', 'national', 'gateway']) {
      const token = await signServiceToken(await posing('province-51', posingAs));
      for (const operation of [
        'enrol',
        'placeHold',
        'captureHold',
        'releaseHold',
        'spendOwn',
        'recordAccess',
        'ledgerAudit',
      ]) {
        assert.equal(
          await internalCall(province32, operation, token, enrolInput),
          401,
          `province-51 as ${posingAs}: ${operation}`,
        );
      }
    }
    // National accepts no province's token at all (provinces call none of its operations), nor a province posing as the test harness.
    for (const token of [
      await serviceToken('province-51'),
      await serviceToken('province-32'),
      await signServiceToken(await posing('province-51', 'test')),
    ]) {
      for (const operation of ['recover', 'clock'])
        assert.equal(
          await internalCall(cluster.national.baseUrl, operation, token, { now: new Date().toISOString() }),
          401,
          operation,
        );
    }
    assert.deepEqual(await moneySnapshot(cluster), before, 'nothing changed');
  });

  test('each internal route admits only the deployments it names', async () => {
    const province32 = cluster.provinces.get('32')?.baseUrl ?? '';
    assert.equal(
      await internalCall(province32, 'ledgerAudit', await serviceToken('national')),
      200,
      'national drives the province',
    );
    assert.equal(
      await internalCall(province32, 'ledgerAudit', await serviceToken('gateway')),
      403,
      'the gateway reads the SDL, no more',
    );
    assert.equal(
      await internalCall(province32, 'ledgerAudit', await serviceToken('test')),
      403,
      "the test harness sets a province's clock, no more",
    );
    assert.equal(
      await internalCall(province32, 'clock', await serviceToken('test'), { advanceMs: 0 }),
      200,
      'the harness sets the platform clock in tests',
    );
    assert.equal(
      await internalCall(province32, 'clock', await serviceToken('national')),
      403,
      "national does not set a province's clock",
    );
    assert.equal(
      await internalCall(cluster.national.baseUrl, 'recover', await serviceToken('test')),
      200,
      'the harness drives recovery in tests',
    );
    assert.equal(await internalCall(cluster.national.baseUrl, 'recover', await serviceToken('gateway')), 403);
    assert.equal(
      await internalCall(cluster.national.baseUrl, 'recover', await serviceToken('national')),
      401,
      'national does not trust itself',
    );
    for (const who of [{ member }, { portal: '32' }, { operator: 'SZ-1', province: '32' }, 'dashboard'] as const) {
      const token = await cluster.token(who);
      assert.equal(
        await internalCall(province32, 'ledgerAudit', token),
        401,
        `a caller's token opens no internal route: ${JSON.stringify(who)}`,
      );
      assert.equal(await internalCall(cluster.national.baseUrl, 'recover', token), 401, JSON.stringify(who));
    }
  });

  test('a malformed internal payload with a valid service credential is refused (INVALID_INTERNAL_PAYLOAD) and changes nothing', async () => {
    const before = await moneySnapshot(cluster);
    const province32 = cluster.provinces.get('32')?.baseUrl ?? '';
    const holdId = `malformed-${Date.now()}`;
    const malformed: [string, string, string, unknown][] = [
      [province32, 'national', 'placeHold', { holdId, memberId: member, fundSource: 'CURRENT_YEAR', amount: 100 }], // fen travel as digits
      [province32, 'national', 'placeHold', { holdId, memberId: member, fundSource: 'CURRENT_YEAR', amount: '1.5' }],
      [province32, 'national', 'placeHold', { holdId, memberId: member, fundSource: 'SAVINGS', amount: '100' }],
      [province32, 'national', 'captureHold', { holdId, amount: '100' }], // no operation id
      [province32, 'national', 'spendOwn', [member, '100']],
      [
        province32,
        'national',
        'enrol',
        { idNumber: '11010519491231002X', name: '测试', insuranceType: 'NONE', poolingRegion: '320500' },
      ],
      [cluster.national.baseUrl, 'test', 'clock', { now: 'tomorrow' }],
    ];
    for (const [baseUrl, party, operation, input] of malformed) {
      const response = await fetch(`${baseUrl}/internal/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await serviceToken(party)}` },
        body: JSON.stringify(input),
      });
      const body = (await response.json()) as { refusal?: { code?: string; message?: string } };
      assert.deepEqual(
        [response.status, body.refusal?.code],
        [400, 'INVALID_INTERNAL_PAYLOAD'],
        `${operation} ${JSON.stringify(input)}`,
      );
      assert.match(body.refusal?.message ?? '', /does not match the operation .*nothing was done/);
    }
    assert.deepEqual(await cluster.sql('32', `SELECT id FROM hold WHERE id = '${holdId}'`), [], 'no hold was placed');
    assert.deepEqual(await moneySnapshot(cluster), before, 'nothing changed');
  });

  test("no service's environment holds a private key other than its own, nor a shared secret", () => {
    const services: [string, ServiceProcess][] = [
      ['gateway', cluster.gateway],
      ['national', cluster.national],
      ...[...cluster.provinces].map(([code, s]): [string, ServiceProcess] => [`province-${code}`, s]),
    ];
    for (const [name, service] of services) {
      const environ = readFileSync(`/proc/${service.child.pid}/environ`, 'utf8').split('\0').filter(Boolean);
      assert.ok(!environ.some((line) => line.startsWith('AUTH_SECRET=')), `${name}: no AUTH_SECRET`);
      const privateKeys: string[] = [];
      for (const line of environ) {
        const value = line.slice(line.indexOf('=') + 1);
        const isFile = value.startsWith('/') && existsSync(value) && statSync(value).isFile() && !value.endsWith('.js');
        for (const text of [value, ...(isFile ? [readFileSync(value, 'utf8')] : [])])
          privateKeys.push(...privateKidsIn(text));
      }
      assert.deepEqual(privateKeys, [name], `${name} holds its own private key and no other`);
    }
  });
});

describe('tokens of the identity provider', () => {
  test('alg confusion (HS256 with the public key as secret) and alg none are refused everywhere', async () => {
    const publicJwk = JSON.parse(readFileSync(jwksFile(cluster.keysDir), 'utf8')).keys[0] as JWK;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      role: Role.PROVINCIAL_PORTAL,
      province: '32',
      sub: 'portal-32',
      iss: 'medical-wallet-platform',
      aud: 'medical-wallet-graph',
      iat: now,
      exp: now + 600,
    };
    const forged: string[] = [];
    for (const secret of [
      Buffer.from(JSON.stringify(publicJwk)),
      Buffer.from(publicJwk.x as string, 'base64url'),
      Buffer.from(publicJwk.x as string),
    ]) {
      const input = `${b64({ alg: 'HS256', kid: publicJwk.kid, typ: 'JWT' })}.${b64(claims)}`;
      forged.push(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
    }
    forged.push(`${b64({ alg: 'none', kid: publicJwk.kid })}.${b64(claims)}.`);
    for (const token of forged) {
      for (const [where, url] of Object.entries(graphs())) {
        const answer = await post(url, '{ provinces { edges { node { code } } } }', `Bearer ${token}`);
        assert.deepEqual([answer.status, ...codesOf(answer)], [401, 'UNAUTHENTICATED'], where);
      }
    }
  });

  test('a JWKS that cannot be fetched stops a service at start with a clear message; one that can is used', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}/jwks.json`;
    const env = {
      JWKS_URL: nowhere,
      NATIONAL_URL: graphs().national,
      PROVINCE_URLS: '',
      SERVICE_KEY_FILE: privateKeyFile(cluster.keysDir, 'gateway'),
    };
    for (const script of [GATEWAY_SCRIPT, PROVINCE_SCRIPT]) {
      await assert.rejects(
        startServiceProcess({
          name: 'no JWKS',
          script,
          port: await freePort(),
          env: { ...env, PROVINCE: '32', DATABASE_URL: cluster.databaseUrls['32'] },
        }),
        (error: Error) =>
          error.message.includes(`cannot read the identity provider's JWKS from ${nowhere}`) &&
          error.message.includes('does not start'),
      );
    }
    const server = createServer((_request, response) => response.end(readFileSync(jwksFile(cluster.keysDir))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const gateway = await startServiceProcess({
      name: 'gateway on a JWKS URL',
      script: GATEWAY_SCRIPT,
      port: await freePort(),
      env: {
        ...env,
        JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
        PROVINCE_URLS: `32=${cluster.provinces.get('32')?.baseUrl}`,
      },
    });
    try {
      const answer = await post(
        `${gateway.baseUrl}/graphql`,
        'query($id: ID!) { member(id: $id) { id } }',
        `Bearer ${await cluster.token({ member })}`,
        { id: member },
      );
      assert.deepEqual(answer.body.data, { member: { id: member } });
    } finally {
      await gateway.stop();
      server.close();
    }
  });
});

describe('production mode at the gateway', () => {
  test("only registered operations run (by document or by hash), and each caller's rate is limited (429, Retry-After)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trusted-'));
    const body = 'query Own($id: ID!) { member(id: $id) { id } }';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifestOf([{ name: 'Own', type: 'query', body }])));
    const gateway = await startServiceProcess({
      name: 'production gateway',
      script: GATEWAY_SCRIPT,
      port: await freePort(),
      env: {
        NODE_ENV: 'production',
        PLAIN_INTERNAL_HTTP: '1',
        TRUSTED_DOCUMENTS_FILE: join(dir, 'manifest.json'),
        RATE_LIMIT_PER_SECOND: '0.2',
        RATE_LIMIT_BURST: '3',
        JWKS_FILE: jwksFile(cluster.keysDir),
        SERVICE_KEY_FILE: privateKeyFile(cluster.keysDir, 'gateway'),
        NATIONAL_URL: graphs().national,
        PROVINCE_URLS: `32=${cluster.provinces.get('32')?.baseUrl}`,
      },
    });
    try {
      const url = `${gateway.baseUrl}/graphql`;
      const authorization = `Bearer ${await cluster.token({ member })}`;
      assert.deepEqual(
        (await post(url, body, authorization, { id: member })).body.data,
        { member: { id: member } },
        'the registered document',
      );
      const byHash = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({
          variables: { id: member },
          extensions: { persistedQuery: { version: 1, sha256Hash: sha256(body) } },
        }),
      });
      assert.deepEqual(((await byHash.json()) as Answer['body']).data, { member: { id: member } }, 'its hash');
      const other = await post(url, '{ __typename }', authorization);
      assert.deepEqual([other.status, ...codesOf(other)], [400, 'PERSISTED_QUERY_NOT_FOUND']);
      const limited = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: body, variables: { id: member } }),
      });
      assert.equal(limited.status, 429, 'the fourth request past a burst of 3');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.deepEqual(
        ((await limited.json()) as Answer['body']).errors?.map((e) => e.extensions?.code),
        ['RATE_LIMITED'],
      );
      const another = await post(url, body, `Bearer ${await cluster.token({ portal: '32' })}`, { id: member });
      assert.deepEqual(another.body.data, { member: { id: member } }, 'another caller has a rate of their own');
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("rotation of the identity provider's key (last: it retires the key the other tests sign with)", () => {
  test('two keys live during a rotation; a retired key is refused, at the gateway and at a subgraph', async () => {
    const previous = await cluster.token({ member });
    const current = await rotateIdentityKey(cluster.keysDir);
    const fresh = await issueToken(current, { role: Role.MEMBER, subject: member });
    const reads = async (token: string, url: string) =>
      (await post(url, 'query($id: ID!) { member(id: $id) { id } }', `Bearer ${token}`, { id: member })).status === 200;
    for (const url of [graphs().gateway, graphs().national]) {
      assert.ok(await reads(fresh, url), 'the new key is accepted at once');
      assert.ok(await reads(previous, url), 'the previous key still works during the rotation');
    }
    await retirePreviousIdentityKeys(cluster.keysDir);
    const deadline = Date.now() + 30_000;
    while ((await reads(previous, graphs().gateway)) || (await reads(previous, graphs().national))) {
      assert.ok(Date.now() < deadline, 'the retired key is refused once the services read the JWKS again');
      await new Promise((r) => setTimeout(r, 200));
    }
    const retired = await post(graphs().gateway, '{ __typename }', `Bearer ${previous}`);
    assert.deepEqual([retired.status, ...codesOf(retired)], [401, 'UNAUTHENTICATED']);
    assert.ok(await reads(fresh, graphs().gateway));
  });
});
