import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codes, enrol, startTestCluster, type TestCluster } from './support/cluster-fixture';

/** Issue: the cluster foundation, through the gateway, with real processes and databases. */
let cluster: TestCluster;
const ids: Record<string, string> = {};

before(async () => {
  cluster = await startTestCluster(['32', '13', '51']);
  ids.suzhou = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  ids.shijiazhuang = await enrol(cluster, { region: '130100', currentYear: '200.00', accumulated: '0.50' });
  ids.chengdu = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
});

after(async () => {
  await cluster?.stop();
});

describe('routing by province', () => {
  test('one query reads members of three provinces, each from its own database', async () => {
    for (const [code, key] of [['32', 'suzhou'], ['13', 'shijiazhuang'], ['51', 'chengdu']]) {
      // A name written only into this province's database proves where the answer came from.
      await cluster.sql(code, `UPDATE member SET name = $2 WHERE id = $1`, [ids[key], `只在${code}`]);
    }
    const data = await cluster.ok(
      `query($a: ID!, $b: ID!, $c: ID!) {
        a: member(id: $a) { id name poolingRegion { name } }
        b: member(id: $b) { id name personalAccount { balance accumulated { balance } } }
        c: member(id: $c) { id name insuranceType personalAccount { balance } }
      }`,
      { a: ids.suzhou, b: ids.shijiazhuang, c: ids.chengdu },
    );
    assert.equal(data.a.name, '只在32');
    assert.equal(data.a.poolingRegion.name, '苏州市');
    assert.equal(data.b.name, '只在13');
    assert.equal(data.b.personalAccount.balance, '200.50');
    assert.equal(data.b.personalAccount.accumulated.balance, '0.50');
    assert.equal(data.c.name, '只在51');
    assert.equal(data.c.personalAccount, null, 'a resident has no personal account');
    for (const code of ['32', '13', '51']) {
      const rows = await cluster.sql<{ id: string }>(code, `SELECT id FROM member`);
      assert.ok(rows.every((r) => r.id.startsWith(code)), `province ${code} holds only its own members`);
    }
  });

  test('provinces fans out: each province computes its own figures', async () => {
    const data = await cluster.ok(`{ provinces(connectedOnly: true) {
      edges { node { code name connected memberCount employeeCount personalAccountBalance heldForQuotas } } } }`);
    const nodes = data.provinces.edges.map((e: { node: Record<string, unknown> }) => e.node);
    assert.deepEqual(nodes.map((n: { code: string }) => n.code), ['13', '32', '51']);
    for (const node of nodes) {
      const [expected] = await cluster.sql<{ members: string; balance: string }>(
        node.code,
        `SELECT (SELECT count(*) FROM member) AS members, (SELECT coalesce(sum(balance), 0) FROM account) AS balance`,
      );
      assert.equal(node.memberCount, Number(expected.members));
      assert.equal(node.personalAccountBalance, (Number(expected.balance) / 100).toFixed(2));
      assert.equal(node.connected, true);
    }
  });

  test('a province root field is routed by its argument', async () => {
    const credited = await cluster.ok(
      `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { member { id personalAccount { balance } } } }`,
      { input: { memberId: ids.suzhou, amount: '1.00', idempotencyKey: 'route-by-argument-1' } },
    );
    assert.equal(credited.creditContribution.member.id, ids.suzhou);
    assert.equal(credited.creditContribution.member.personalAccount.balance, '101.00');
  });

  test('a fetch that names no province is refused, never guessed', async () => {
    const response = await cluster.query(
      `mutation { creditContribution(input: { memberId: "nobody", amount: "1.00", idempotencyKey: "unroutable-1" }) { amount } }`,
    );
    assert.deepEqual(codes(response), ['PROVINCE_UNROUTABLE']);
  });

  test('a province that is not running is reported, and nothing is sent elsewhere', async () => {
    const response = await cluster.query(
      `mutation { creditContribution(input: { memberId: "110100-00000001", amount: "1.00", idempotencyKey: "not-running-1" }) { amount } }`,
    );
    assert.deepEqual(codes(response), ['PROVINCE_UNAVAILABLE']);
  });

  test('GET /health reports every deployment', async () => {
    const response = await fetch(`${cluster.gateway.baseUrl}/health`);
    const body = (await response.json()) as { provinces: { province: string; state: string }[] };
    assert.deepEqual(body.provinces.map((p) => [p.province, p.state]).sort(), [['13', 'healthy'], ['32', 'healthy'], ['51', 'healthy']]);
  });
});

describe('failures of a deployment', () => {
  test('a stopped province gives PROVINCE_UNAVAILABLE while the others still answer', async () => {
    await cluster.provinces.get('51')?.kill();
    const response = await cluster.query(
      `query($a: ID!, $c: ID!) { a: member(id: $a) { name } c: member(id: $c) { name } }`,
      { a: ids.suzhou, c: ids.chengdu },
    );
    assert.equal(response.data?.a?.name, '只在32');
    assert.equal(response.data?.c, null);
    assert.deepEqual(codes(response), ['PROVINCE_UNAVAILABLE']);
    assert.equal(response.errors?.[0].path?.[0], 'c');
    await cluster.startProvince('51');
    const again = await cluster.ok(`query($c: ID!) { member(id: $c) { name } }`, { c: ids.chengdu });
    assert.equal(again.member.name, '只在51');
  });

  test('a deployment that serves a different schema is detected and not used', async () => {
    const hebei = cluster.provinces.get('13');
    assert.ok(hebei);
    await hebei.kill();
    const expected = readFileSync(join(__dirname, '..', '..', 'schema', 'province.graphql'), 'utf8');
    const drifted = expected.replace('type Member @key(fields: "id") {', 'type Member @key(fields: "id") {\n  nickname: String');
    assert.notEqual(drifted, expected);
    const impostor: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data: { _service: { sdl: drifted }, _entities: [{ name: 'wrong' }] } }));
    });
    await new Promise<void>((resolve) => impostor.listen(hebei.port, '127.0.0.1', resolve));
    try {
      let state = '';
      for (let i = 0; i < 100 && state !== 'drifted'; i++) {
        const health = (await (await fetch(`${cluster.gateway.baseUrl}/health`)).json()) as {
          provinces: { province: string; state: string }[];
        };
        state = health.provinces.find((p) => p.province === '13')?.state ?? '';
        if (state !== 'drifted') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(state, 'drifted');
      const response = await cluster.query(`query($b: ID!) { member(id: $b) { name } }`, { b: ids.shijiazhuang });
      assert.deepEqual(codes(response), ['PROVINCE_UNAVAILABLE']);
      assert.match(response.errors?.[0].message ?? '', /different province schema/);
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
    await cluster.startProvince('13');
    const again = await cluster.ok(`query($b: ID!) { member(id: $b) { name } }`, { b: ids.shijiazhuang });
    assert.equal(again.member.name, '只在13');
  });
});
