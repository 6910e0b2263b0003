import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { certificateKeyFile, deploymentCertificate, developmentCa } from '../cluster/certificates';
import { jwksFile } from '../cluster/keys';
import {
  balanced,
  codes,
  enrol,
  key,
  relate,
  settle,
  startTestCluster,
  type TestCluster,
  TRANSFER,
  transfer,
} from './support/cluster-fixture';

/** HTTPS between deployments: every service and internal URL of the cluster over TLS, its own CA. */
let cluster: TestCluster;
const otherKeys = mkdtempSync(join(tmpdir(), 'other-ca-'));

before(async () => {
  cluster = await startTestCluster(['32', '13'], undefined, {}, { tls: true });
});

after(async () => {
  await cluster?.stop();
  rmSync(otherKeys, { recursive: true, force: true });
});

test('every service serves HTTPS and a query and a transfer go through end to end', async () => {
  assert.match(cluster.gatewayUrl, /^https:/);
  for (const service of [cluster.national, cluster.gateway, ...cluster.provinces.values()])
    assert.match(service.baseUrl, /^https:/);
  assert.equal(statSync(certificateKeyFile(cluster.keysDir, 'national')).mode & 0o777, 0o600);
  const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  const beneficiary = await enrol(cluster, { region: '130100', currentYear: '1.00' });
  const own = await cluster.as({ member: donor }).ok('query($id: ID!) { member(id: $id) { id } }', { id: donor });
  assert.equal(own.member.id, donor);
  const relationship = await relate(cluster, donor, beneficiary);
  const sent = await transfer(cluster, relationship, '10.00');
  assert.deepEqual(sent.errors, undefined);
  assert.equal(sent.data?.transferQuota?.amount, '10.00');
});

test('national given another CA cannot reach its provinces: the handshake fails before anything is sent, so its transfer and its settlement are refused (PROVINCE_UNAVAILABLE), nothing recorded; with the right CA they go through', async (t) => {
  const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  const beneficiary = await enrol(cluster, { region: '130100', currentYear: '1.00' });
  const relationship = await relate(cluster, donor, beneficiary);
  const patient = await enrol(cluster, { region: '130100', currentYear: '50.00' });
  await cluster.restart('national', { TLS_CA_FILE: developmentCa(otherKeys) });
  const idempotencyKey = key('tls-transfer');
  const send = () =>
    cluster.as({ member: donor }).query(TRANSFER, {
      input: { relationshipId: relationship, amount: '10.00', fundSource: 'CURRENT_YEAR', idempotencyKey },
    });
  try {
    const sent = await send();
    assert.equal(sent.data?.transferQuota ?? null, null);
    assert.deepEqual(codes(sent), ['PROVINCE_UNAVAILABLE'], JSON.stringify(sent.errors));
    t.diagnostic(sent.errors?.[0]?.message ?? ''); // the hold call not sent, or the province already known not to answer
    const [{ n }] = await cluster.sql<{ n: number }>(
      'national',
      'SELECT count(*)::int AS n FROM transfer WHERE relationship_id = $1',
      [relationship],
    );
    assert.equal(n, 0, 'no transfer is left recorded');
    assert.deepEqual(codes(await send()), ['PROVINCE_UNAVAILABLE'], 'the key keeps its refusal');
    // An employee's settlement, national's first call to province 13: the debit of the own account never left.
    const settled = await settle(cluster, patient, '20.00', '130100');
    assert.deepEqual(codes(settled), ['PROVINCE_UNAVAILABLE'], JSON.stringify(settled.errors));
    t.diagnostic(settled.errors?.[0]?.message ?? '');
    const left = await cluster.sql('national', 'SELECT id FROM settlement WHERE beneficiary_id = $1', [patient]);
    assert.equal(left.length, 0, 'no settlement is left recorded');
  } finally {
    await cluster.restart('national');
  }
  await cluster.waitUntilQuiet(120_000);
  await balanced(cluster);
  const again = await transfer(cluster, relationship, '10.00');
  assert.deepEqual(again.errors, undefined);
  const holds = await cluster.sql('32', 'SELECT id FROM hold WHERE member_id = $1', [donor]);
  assert.equal(holds.length, 1, 'one hold: the refused transfer held nothing');
  const paid = await settle(cluster, patient, '20.00', '130100');
  assert.deepEqual(paid.errors, undefined);
  const [account] = await cluster.sql<{ balance: string }>(
    '13',
    `SELECT balance FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [patient],
  );
  assert.equal(account.balance, '3000', 'debited once: the refused settlement took nothing');
});

/** The identity provider's JWK Set served over HTTPS, with a certificate of the CA of `keysDir`. */
async function serveJwks(keysDir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const files = deploymentCertificate(keysDir, 'identity-provider');
  const body = readFileSync(jwksFile(cluster.keysDir));
  const server = createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, (_request, response) =>
    response.writeHead(200, { 'content-type': 'application/json' }).end(body),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test("a province reads the identity provider's keys from an https JWKS_URL it verifies against TLS_CA_FILE, and does not start when that server's certificate is of another CA", async () => {
  const trusted = await serveJwks(cluster.keysDir);
  const untrusted = await serveJwks(otherKeys);
  try {
    await cluster.restart('32', { JWKS_URL: trusted.url, JWKS_FILE: '' });
    const member = await enrol(cluster, { region: '320500', currentYear: '12.00' });
    const page = await cluster
      .as({ member })
      .ok('query($id: ID!) { member(id: $id) { personalAccount { balance } } }', { id: member });
    assert.equal(page.member.personalAccount.balance, '12.00', "the province checked the member's token");
    await assert.rejects(
      cluster.restart('32', { JWKS_URL: untrusted.url, JWKS_FILE: '' }),
      /cannot read the identity provider's JWKS from https:/,
    );
  } finally {
    await cluster.restart('32');
    await trusted.close();
    await untrusted.close();
  }
});

test('in production, a service given an http: internal URL does not start, nor one given a certificate without its key: configuration errors', async () => {
  await assert.rejects(
    cluster.restart('gateway', { NODE_ENV: 'production', NATIONAL_URL: 'http://127.0.0.1:9/graphql' }),
    /in production internal URLs must be https: .*NATIONAL_URL \(http:\/\/127\.0\.0\.1:9\/graphql\)/,
  );
  await cluster.restart('gateway');
  await assert.rejects(
    cluster.restart('32', { TLS_KEY_FILE: '' }),
    /set both TLS_CERT_FILE and TLS_KEY_FILE, or neither/,
  );
  await cluster.restart('32');
  const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  assert.ok(donor);
});
