import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PROVINCES } from '../subgraphs/common/domain/reference-data';
import { startTestCluster, type TestCluster } from './support/cluster-fixture';

/**
 * `provinces: 'all'` (npm start -- --provinces all): every GB/T 2260 province runs as its own
 * deployment with its own database, and a query that spans provinces reaches each of them.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster('all');
});

after(async () => {
  await cluster?.stop();
});

describe('all 31 provinces on one machine', () => {
  test('every province runs, and the figures of every one come back in one query', async () => {
    assert.deepEqual([...cluster.provinces.keys()].sort(), PROVINCES.map((p) => p.code).sort());
    const data = await cluster
      .as('dashboard')
      .ok(
        `{ provinces(connectedOnly: true, page: { first: 31 }) { edges { node { code name memberCount personalAccountBalance } } } }`,
      );
    const answered = (
      data.provinces.edges as { node: { code: string; memberCount: number; personalAccountBalance: string } }[]
    ).map((e) => e.node);
    assert.deepEqual(answered.map((p) => p.code).sort(), PROVINCES.map((p) => p.code).sort());
    for (const province of answered)
      assert.deepEqual([province.memberCount, province.personalAccountBalance], [0, '0.00'], province.code);
  });

  test('a member enrolled in the last province is routed to its own deployment', async () => {
    const enrolled = await cluster
      .as({ portal: '65' })
      .ok(`mutation { enrollMember(input: { idNumber: "11010519491231002X", name: "测试",
      insuranceType: RESIDENT, poolingRegion: "650100" }) { id } }`);
    const [row] = await cluster.sql<{ n: number }>('65', 'SELECT count(*)::int AS n FROM member');
    assert.equal(row.n, 1);
    const page = await cluster
      .as({ portal: '65' })
      .ok(`query($id: ID!) { member(id: $id) { id name } }`, { id: enrolled.enrollMember.id });
    assert.equal(page.member.name, '测试');
  });
});
