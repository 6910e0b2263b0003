import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { beijingTime } from '../testing';
import {
  ACCEPT,
  CONFIRM,
  enrol,
  ESTABLISH,
  key,
  REFUND,
  settle,
  startTestCluster,
  type TestCluster,
  TRANSFER,
} from './support/cluster-fixture';

/**
 * Every time the platform records comes from the platform clock, never the database's now() nor
 * the machine's: with the clock set years away from the real time, behind it and ahead of it, a
 * member's history, their ledger, their enrolment, the reads of their data (R32) and the month
 * R23 counts their aid in all stand at the platform's time, in the order things happened.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '51']);
});

after(async () => {
  await cluster?.stop();
});

const HISTORY = `query($id: ID!) { member(id: $id) { enrolledAt history { edges { node { at kind } } } } }`;
const ENTRIES = `query($id: ID!) { member(id: $id) { idNumber personalAccount { entries { edges { node { kind createdAt } } } } } }`;
const READS = `query { dataAccessRecords(province: "32") { edges { node { memberId readAt } } } }`;
const YEAR_MS = 365 * 86_400_000;

/** A whole mutual-aid story at platform time `start`; every time it leaves behind lies in [start, end of the story]. */
async function storyAt(start: Date): Promise<void> {
  const set = await cluster.setClock(start);
  const donor = await enrol(cluster, { region: '320500', name: '钟表', currentYear: '2000.00' });
  const beneficiary = await enrol(cluster, { region: '510100', name: '钟秒', currentYear: '50.00' });
  const established = await cluster.as({ member: donor }).ok(ESTABLISH, {
    input: {
      donorId: donor,
      beneficiaryId: beneficiary,
      relation: 'CHILD',
      channel: 'NATIONAL_APP',
      commitment: { version: '2024-v1', signedAt: new Date(start.getTime() - 3_600_000).toISOString() },
    },
  });
  const relationshipId = established.establishMutualAid.id as string;
  await cluster.as({ member: beneficiary }).ok(CONFIRM, { input: { relationshipId, channel: 'NATIONAL_APP' } });
  const given = await cluster.as({ member: donor }).ok(TRANSFER, {
    input: { relationshipId, amount: '300.00', fundSource: 'CURRENT_YEAR', idempotencyKey: key('clock-transfer') },
  });
  await cluster.as({ member: beneficiary }).ok(ACCEPT, { id: given.transferQuota.id });
  const settled = await settle(cluster, beneficiary, '120.00', '510100');
  assert.equal(settled.errors, undefined, JSON.stringify(settled.errors));
  await cluster.as({ portal: '51' }).ok(REFUND, {
    input: { settlementId: settled.data?.settleExpense.id, amount: '100.00', idempotencyKey: key('clock-refund') },
  });
  await cluster.as({ portal: '32' }).ok(ENTRIES, { id: donor }); // a staff read of the donor's data (R32)
  const end = new Date((await cluster.advanceClock(0)).getTime() + 1000);

  const within = (label: string, time: string) => {
    const at = new Date(time).getTime();
    assert.ok(
      at >= set.getTime() - 1000 && at <= end.getTime(),
      `${label} at ${time}, not within the platform's ${set.toISOString()} … ${end.toISOString()}`,
    );
  };
  const { member } = await cluster.as({ portal: '51' }).ok(HISTORY, { id: beneficiary });
  within('enrolment', member.enrolledAt);
  const events = member.history.edges.map((e: { node: { at: string; kind: string } }) => e.node);
  for (const event of events) within(event.kind, event.at);
  assert.deepEqual(
    events.map((e: { kind: string }) => e.kind),
    [
      'REFUNDED',
      'SETTLED',
      'QUOTA_ACCEPTED',
      'QUOTA_RECEIVED',
      'RELATIONSHIP_CONFIRMED',
      'RELATIONSHIP_ESTABLISHED',
      'WALLET_ACTIVATED',
    ],
    'newest first, in the order they happened',
  );

  const donorView = (await cluster.as({ member: donor }).ok(ENTRIES, { id: donor })).member;
  const entries = donorView.personalAccount.entries.edges.map(
    (e: { node: { kind: string; createdAt: string } }) => e.node,
  );
  assert.ok(entries.length >= 3, 'the contribution, the hold and its capture');
  for (const entry of entries) within(`ledger ${entry.kind}`, entry.createdAt);

  const month = beijingMonthOf(start);
  const counted = await cluster.sql<{ month: string; count: string; amount: string }>(
    'national',
    `SELECT to_char(month, 'YYYY-MM') AS month, sum(aid_count)::text AS count, sum(aid_amount)::text AS amount FROM aid_figure
     WHERE left(region, 2) = '51' GROUP BY 1 ORDER BY 1`,
  );
  assert.deepEqual(
    counted.filter((row) => row.month === month).map((row) => [row.count, row.amount]),
    [['1', '0']],
    `R23 counts the aid, and the refund taking its quota back, in the platform's month ${month}: ${JSON.stringify(counted)}`,
  );

  const reads = await eventually(async () => {
    const records = (await cluster.as({ portal: '32' }).ok(READS)).dataAccessRecords.edges
      .map((e: { node: { memberId: string; readAt: string } }) => e.node)
      .filter((r: { memberId: string }) => r.memberId === donor);
    return records.length > 0 ? records : undefined;
  });
  for (const read of reads) within('R32 read', read.readAt);
}

const beijingMonthOf = (time: Date) => new Date(time.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('not recorded in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('with the platform clock two years behind the real time, everything recorded stands at the platform time', async () => {
  await storyAt(beijingTime('10:00:00', { day: new Date(Date.now() - 2 * YEAR_MS) }));
});

test('with the platform clock three years ahead of the real time, likewise, and R20 still balances', async () => {
  await storyAt(beijingTime('10:00:00', { day: new Date(Date.now() + 3 * YEAR_MS) }));
  for (const [province, report] of Object.entries(await cluster.reconcile())) {
    assert.ok(report.balanced, `${province}: ${report.differences.join('; ')}`);
  }
});
