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

/**
 * The story of the articles: a son insured in 苏州 (32) sets a quota for his father, a resident
 * insured in 成都 (51); the father pays 236.00 yuan of a hospital bill with it.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '13', '51']);
});

after(async () => {
  await cluster?.stop();
});

test("a son in 苏州 pays 236.00 yuan of his father's 成都 hospital bill", async () => {
  const son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '3600.00', accumulated: '12850.00' });
  const father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  const relationshipId = await relate(cluster, son, father, 'PARENT');

  const transferred = await transfer(cluster, relationshipId, '500.00');
  assert.equal(transferred.errors, undefined, JSON.stringify(transferred.errors));
  assert.equal(transferred.data?.transferQuota.state, 'COMMITTED');

  const paid = await settle(cluster, father, '236.00', '510100');
  assert.equal(paid.errors, undefined, JSON.stringify(paid.errors));
  assert.deepEqual(
    [paid.data?.settleExpense.ownAccountPaid, paid.data?.settleExpense.quotaPaid, paid.data?.settleExpense.cashPaid],
    ['0.00', '236.00', '0.00'],
  );

  // Each reads their own side: the son his account and the quota he set, the father what he can spend.
  const sonView = await cluster.as({ member: son }).ok(
    `query($son: ID!) {
      son: member(id: $son) {
        name
        personalAccount { balance held available currentYear { balance held available } }
        relationshipsAsDonor { edges { node { quota { granted spent available } beneficiary { name } } } }
      }
    }`,
    { son },
  );
  const fatherView = await cluster.as({ member: father }).ok(
    `query($father: ID!) {
      father: member(id: $father) { name quotaAvailable relationshipsAsBeneficiary { edges { node { donor { name } relation } } } }
    }`,
    { father },
  );
  const view = { ...sonView, ...fatherView };
  // 16,450.00 credited, 236.00 spent by the father: the son's balance drops by exactly that.
  assert.equal(view.son.personalAccount.balance, '16214.00');
  assert.equal(view.son.personalAccount.currentYear.balance, '3364.00');
  assert.equal(view.son.personalAccount.held, '264.00', 'the hold is what is left of the quota');
  assert.equal(view.son.personalAccount.available, '15950.00');
  const quota = view.son.relationshipsAsDonor.edges[0].node;
  assert.deepEqual(quota.quota, { granted: '500.00', spent: '236.00', available: '264.00' });
  // Each sees their own name whole, and the other's masked: a relative is not the member's province's staff.
  assert.equal(view.son.name, '伍强');
  assert.equal(quota.beneficiary.name, '伍*');
  assert.equal(view.father.name, '伍敏');
  assert.equal(view.father.quotaAvailable, '264.00');
  assert.deepEqual(view.father.relationshipsAsBeneficiary.edges[0].node, {
    donor: { name: '伍*' },
    relation: 'PARENT',
  });

  const [hold] = await cluster.sql<{ amount: string; captured: string }>('32', `SELECT amount, captured FROM hold`);
  assert.deepEqual(hold, { amount: '50000', captured: '23600' });

  const now = (await cluster.advanceClock(0)).getTime(); // clearing entries stand at the platform's time
  const report = await cluster.as('dashboard').ok(
    `query($from: DateTimeISO!, $to: DateTimeISO!) {
    clearingReport(from: $from, to: $to) { lines { debtor { code name } creditor { code name } amount operations } } }`,
    {
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now + 3_600_000).toISOString(),
    },
  );
  assert.deepEqual(report.clearingReport.lines, [
    {
      debtor: { code: '32', name: '江苏省' },
      creditor: { code: '51', name: '四川省' },
      amount: '236.00',
      operations: 1,
    },
  ]);

  const r20 = await reconciliation(cluster, '32');
  assert.deepEqual(r20.differences, []);
  assert.equal(r20.balanced, true);
  assert.equal(r20.heldInProvince, '264.00');
  assert.equal(r20.unspentQuota, '264.00');
});
