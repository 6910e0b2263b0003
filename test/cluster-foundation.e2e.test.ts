import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { codes, enrol, startTestCluster, type TestCluster } from './support/cluster-fixture';
import { driftedImpostor } from './support/provinces-down';

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
  test('members of three provinces are read, each from its own database', async () => {
    for (const [code, key] of [
      ['32', 'suzhou'],
      ['13', 'shijiazhuang'],
      ['51', 'chengdu'],
    ]) {
      // A name written only into this province's database proves where the answer came from.
      await cluster.sql(code, `UPDATE member SET name = $2 WHERE id = $1`, [ids[key], `只在${code}`]);
    }
    // Each member reads their own record: no one caller may see the members of three provinces.
    const own = (key: string, fields: string) =>
      cluster
        .as({ member: ids[key] })
        .ok(`query($id: ID!) { member(id: $id) { ${fields} } }`, { id: ids[key] })
        .then((d) => d.member);
    const [a, b, c] = await Promise.all([
      own('suzhou', 'id name poolingRegion { name }'),
      own('shijiazhuang', 'id name personalAccount { balance accumulated { balance } }'),
      own('chengdu', 'id name insuranceType personalAccount { balance }'),
    ]);
    const data = { a, b, c };
    assert.equal(data.a.name, '只在32');
    assert.equal(data.a.poolingRegion.name, '苏州市');
    assert.equal(data.b.name, '只在13');
    assert.equal(data.b.personalAccount.balance, '200.50');
    assert.equal(data.b.personalAccount.accumulated.balance, '0.50');
    assert.equal(data.c.name, '只在51');
    assert.equal(data.c.personalAccount, null, 'a resident has no personal account');
    for (const code of ['32', '13', '51']) {
      const rows = await cluster.sql<{ id: string }>(code, `SELECT id FROM member`);
      assert.ok(
        rows.every((r) => r.id.startsWith(code)),
        `province ${code} holds only its own members`,
      );
    }
  });

  test('provinces fans out: each province computes its own figures', async () => {
    const data = await cluster.as('dashboard').ok(`{ provinces(connectedOnly: true) {
      edges { node { code name connected memberCount employeeCount personalAccountBalance heldForQuotas } } } }`);
    const nodes = data.provinces.edges.map((e: { node: Record<string, unknown> }) => e.node);
    assert.deepEqual(
      nodes.map((n: { code: string }) => n.code),
      ['13', '32', '51'],
    );
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
    const credited = await cluster
      .as({ portal: '32' })
      .ok(
        `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { member { id personalAccount { balance } } } }`,
        { input: { memberId: ids.suzhou, amount: '1.00', idempotencyKey: 'route-by-argument-1' } },
      );
    assert.equal(credited.creditContribution.member.id, ids.suzhou);
    assert.equal(credited.creditContribution.member.personalAccount.balance, '101.00');
  });

  test('a fetch that names no province is refused, never guessed', async () => {
    const response = await cluster
      .as({ portal: '32' })
      .query(
        `mutation { creditContribution(input: { memberId: "nobody", amount: "1.00", idempotencyKey: "unroutable-1" }) { amount } }`,
      );
    assert.deepEqual(codes(response), ['PROVINCE_UNROUTABLE']);
  });

  test('a province that is not running is reported, and nothing is sent elsewhere', async () => {
    // Beijing's own portal: a province that has no running deployment on this cluster.
    const response = await cluster
      .as({ portal: '11' })
      .query(
        `mutation { creditContribution(input: { memberId: "110100-00000001", amount: "1.00", idempotencyKey: "not-running-1" }) { amount } }`,
      );
    assert.deepEqual(codes(response), ['PROVINCE_UNAVAILABLE']);
  });

  test('GET /health reports every deployment', async () => {
    const response = await fetch(`${cluster.gateway.baseUrl}/health`);
    const body = (await response.json()) as { provinces: { province: string; state: string }[] };
    assert.deepEqual(body.provinces.map((p) => [p.province, p.state]).sort(), [
      ['13', 'healthy'],
      ['32', 'healthy'],
      ['51', 'healthy'],
    ]);
  });
});

describe('failures of a deployment', () => {
  test('a stopped province gives PROVINCE_UNAVAILABLE while the others still answer', async () => {
    await cluster.kill('51');
    // One request that needs two provinces: the dashboard's figures of 32 and 51.
    const figures = await cluster
      .as('dashboard')
      .query(`{ a: province(code: "32") { code memberCount } c: province(code: "51") { code memberCount } }`);
    assert.equal(figures.data?.a?.memberCount, 1, 'the running province still answers in the same request');
    assert.deepEqual(
      figures.data?.c,
      { code: '51', memberCount: null },
      "only the down province's own figures are missing",
    );
    assert.deepEqual(codes(figures), ['PROVINCE_UNAVAILABLE']);
    assert.equal(figures.errors?.[0].path?.[0], 'c');
    // Each member reads their own record: the Suzhou member is answered, the Chengdu member is told why not.
    const a = await cluster
      .as({ member: ids.suzhou })
      .query(`query($a: ID!) { a: member(id: $a) { name } }`, { a: ids.suzhou });
    assert.equal(a.errors, undefined, JSON.stringify(a.errors));
    assert.equal(a.data?.a?.name, '只在32');
    const response = await cluster
      .as({ member: ids.chengdu })
      .query(`query($c: ID!) { c: member(id: $c) { name } }`, { c: ids.chengdu });
    assert.deepEqual(response.data?.c, { name: null });
    assert.deepEqual(codes(response), ['PROVINCE_UNAVAILABLE']);
    assert.equal(response.errors?.[0].path?.[0], 'c');
    await cluster.restart('51');
    const again = await cluster
      .as({ member: ids.chengdu })
      .ok(`query($c: ID!) { member(id: $c) { name } }`, { c: ids.chengdu });
    assert.equal(again.member.name, '只在51');
  });

  test('a deployment that serves a different schema is detected and not used', async () => {
    const hebei = cluster.provinces.get('13');
    assert.ok(hebei);
    await hebei.kill();
    const impostor = await driftedImpostor(hebei.port, [{ name: 'wrong' }]);
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
      const response = await cluster
        .as({ member: ids.shijiazhuang })
        .query(`query($b: ID!) { member(id: $b) { name } }`, { b: ids.shijiazhuang });
      assert.deepEqual(codes(response), ['PROVINCE_UNAVAILABLE']);
      assert.match(response.errors?.[0].message ?? '', /different province schema/);
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
    await cluster.restart('13');
    const again = await cluster
      .as({ member: ids.shijiazhuang })
      .ok(`query($b: ID!) { member(id: $b) { name } }`, { b: ids.shijiazhuang });
    assert.equal(again.member.name, '只在13');
  });
});
