import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  enrol,
  reconciliation,
  relate,
  settle,
  startTestCluster,
  transfer,
  type TestCluster,
} from './support/cluster-fixture';

/** R12 and R20 under concurrency: no overdraft, no over-spent quota, sums exact to the fen. */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '51']);
});

after(async () => {
  await cluster?.stop();
});

test('50 simultaneous settlements against one quota never spend more than it', async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '1000.00' });
  const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const rel = await relate(cluster, son, father);
  await transfer(cluster, rel, '100.00');
  const results = await Promise.all(Array.from({ length: 50 }, () => settle(cluster, father, '3.33')));
  assert.ok(
    results.every((r) => !r.errors),
    JSON.stringify(results.find((r) => r.errors)?.errors),
  );
  const fen = (s: string) => BigInt(s.replace('.', ''));
  const quotaPaid = results.reduce((sum, r) => sum + fen(r.data?.settleExpense.quotaPaid), 0n);
  const cashPaid = results.reduce((sum, r) => sum + fen(r.data?.settleExpense.cashPaid), 0n);
  assert.equal(quotaPaid, 10000n, 'exactly the quota is spent');
  assert.equal(quotaPaid + cashPaid, 50n * 333n, 'every fen of every bill is paid');
  const [account] = await cluster.sql<{ balance: string; held: string }>(
    '32',
    `SELECT balance, held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [son],
  );
  assert.deepEqual(account, { balance: '90000', held: '0' });
  assert.deepEqual((await reconciliation(cluster, '32')).differences, []);
});

test('50 simultaneous transfers from one donor never exceed the balance', async () => {
  // R24 allows 3 transfers a day; this region's policy is raised so that only the balance limits.
  await cluster
    .as({ portal: '32' })
    .ok(`mutation { setTransferPolicy(input: { poolingRegion: "320500", dailyTransferLimit: 100,
    transferAmountLimit: "2000.00", nightWindowStart: "22:00", nightWindowEnd: "06:00" }) { code } }`);
  const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  const relationships = await Promise.all(
    Array.from({ length: 5 }, async () =>
      relate(cluster, donor, await enrol(cluster, { region: '510100', type: 'RESIDENT' }), 'CHILD'),
    ),
  );
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => transfer(cluster, relationships[i % 5], '7.00', 'CURRENT_YEAR', false)),
  );
  const committed = results.filter((r) => r.data?.transferQuota.state === 'COMMITTED').length;
  const refused = results.filter((r) => r.errors?.[0]?.extensions?.code === 'INSUFFICIENT_BALANCE').length;
  assert.equal(committed, 14, '14 × 7.00 = 98.00 fit in 100.00; a 15th would not');
  assert.equal(refused, 36);
  const [account] = await cluster.sql<{ balance: string; held: string }>(
    '32',
    `SELECT balance, held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [donor],
  );
  assert.deepEqual(account, { balance: '10000', held: '9800' });
  const [national] = await cluster.sql<{ n: string; total: string }>(
    'national',
    `SELECT count(*) AS n, sum(amount)::text AS total FROM transfer
    WHERE relationship_id = ANY($1)`,
    [relationships],
  );
  assert.deepEqual(national, { n: '14', total: '9800' }, 'refused transfers leave no row');
  assert.deepEqual((await reconciliation(cluster, '32')).differences, []);
});
