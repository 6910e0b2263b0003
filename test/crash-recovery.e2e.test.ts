import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  codes,
  enrol,
  exitSignal,
  key,
  reconciliation,
  relate,
  settle,
  startTestCluster,
  transfer,
  TRANSFER,
  type TestCluster,
} from './support/cluster-fixture';

/**
 * Crashes: the donor's provincial deployment is killed (a real SIGKILL of the process) in the
 * middle of an operation; after a restart the recovery worker finishes it and R20 holds.
 */
let cluster: TestCluster;

before(async () => {
  // These tests look at the state a crash leaves behind, then run recovery rounds themselves: the
  // periodic worker would otherwise race them to it as soon as the province is back.
  cluster = await startTestCluster(['32', '51'], undefined, { RECOVERY_INTERVAL_MS: String(3_600_000) });
});

after(async () => {
  await cluster?.stop();
});

async function crashProvince32At(point: string): Promise<void> {
  await cluster.stopService('32');
  await cluster.restart('32', { CRASH_AT: point });
}

async function restartProvince32(): Promise<void> {
  const province = cluster.provinces.get('32');
  if (province && province.child.exitCode === null && province.child.signalCode === null) await province.stop();
  await cluster.restart('32');
}

test('killed after placing the hold, before the quota is committed: recovery commits it', async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '500.00' });
  const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const rel = await relate(cluster, son, father);
  await crashProvince32At('placeHold:after');
  const idempotencyKey = key('crash-transfer');
  const input = { relationshipId: rel, amount: '200.00', fundSource: 'CURRENT_YEAR', idempotencyKey };
  const during = await cluster.as({ member: son }).query(TRANSFER, { input });
  assert.deepEqual(
    codes(during),
    ['OUTCOME_PENDING'],
    'R30: recorded but not known to be held is in doubt, not refused',
  );
  assert.equal(await exitSignal(cluster.provinces.get('32')), 'SIGKILL', 'the province really died');
  const [pending] = await cluster.sql<{ state: string }>(
    'national',
    `SELECT state FROM transfer WHERE idempotency_key = $1`,
    [idempotencyKey],
  );
  assert.equal(pending.state, 'PENDING');
  await restartProvince32();
  const heldWhileInFlight = await reconciliation(cluster, '32');
  assert.equal(heldWhileInFlight.inFlightTransfers, 1);
  assert.deepEqual(heldWhileInFlight.differences, [], 'a hold of a PENDING transfer is in flight, not a difference');
  await cluster.recover();
  const [done] = await cluster.sql<{ state: string }>(
    'national',
    `SELECT state FROM transfer WHERE idempotency_key = $1`,
    [idempotencyKey],
  );
  assert.equal(done.state, 'COMMITTED');
  const replay = await cluster.as({ member: son }).ok(TRANSFER, { input });
  assert.equal(replay.transferQuota.state, 'COMMITTED', 'the client learns the outcome with the same key');
  const after = await reconciliation(cluster, '32');
  assert.deepEqual(
    [after.differences, after.inFlightTransfers, after.unspentQuota, after.heldInProvince],
    [[], 0, '200.00', '200.00'],
  );
  const [hold] = await cluster.sql(
    '32',
    `SELECT count(*)::int AS n FROM account_entry WHERE kind = 'HOLD_PLACED' AND member_id = $1`,
    [son],
  );
  assert.deepEqual(hold, { n: 1 }, 'held exactly once');
});

test('killed between spending the quota and capturing the hold: recovery captures it', async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '500.00' });
  const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const rel = await relate(cluster, son, father);
  assert.equal((await transfer(cluster, rel, '300.00')).data?.transferQuota.state, 'COMMITTED');
  await crashProvince32At('captureHold:before');
  const paid = await settle(cluster, father, '236.00');
  assert.equal(paid.errors, undefined, 'the settlement is decided in the national database');
  assert.equal(paid.data?.settleExpense.quotaPaid, '236.00');
  assert.equal(await exitSignal(cluster.provinces.get('32')), 'SIGKILL');
  const [unapplied] = await cluster.sql<{ n: number }>(
    'national',
    `SELECT count(*)::int AS n FROM province_step WHERE applied_at IS NULL`,
  );
  assert.equal(unapplied.n, 1, 'the capture waits in the outbox');
  await restartProvince32();
  const waiting = await reconciliation(cluster, '32');
  assert.deepEqual(
    [waiting.differences, waiting.unappliedSteps],
    [[], 1],
    'a capture not yet applied is accounted for',
  );
  await cluster.recover();
  const [account] = await cluster.sql<{ balance: string; held: string }>(
    '32',
    `SELECT balance, held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [son],
  );
  assert.deepEqual(account, { balance: '26400', held: '6400' });
  const after = await reconciliation(cluster, '32');
  // 64.00 left of this quota, plus the 200.00 of the first test.
  assert.deepEqual([after.differences, after.unappliedSteps, after.unspentQuota], [[], 0, '264.00']);
});

test('killed after capturing, before answering: the capture is not applied twice', async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const rel = await relate(cluster, son, father);
  await transfer(cluster, rel, '100.00');
  await crashProvince32At('captureHold:after');
  await settle(cluster, father, '40.00');
  await restartProvince32();
  await cluster.recover();
  await cluster.recover();
  const [account] = await cluster.sql<{ balance: string; held: string }>(
    '32',
    `SELECT balance, held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [son],
  );
  assert.deepEqual(account, { balance: '6000', held: '6000' });
  assert.deepEqual((await reconciliation(cluster, '32')).differences, []);
});

test('a transfer whose province stays down is refused afterwards if the money is gone, leaving nothing', async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '50.00' });
  const rel = await relate(cluster, son, await enrol(cluster, { region: '510100', type: 'RESIDENT' }));
  await crashProvince32At('placeHold:before');
  const input = { relationshipId: rel, amount: '50.00', fundSource: 'CURRENT_YEAR', idempotencyKey: key('t') };
  const during = await cluster.as({ member: son }).query(TRANSFER, { input });
  assert.deepEqual(codes(during), ['OUTCOME_PENDING']);
  await restartProvince32();
  await cluster
    .as({ member: son })
    .ok(`mutation($input: SpendFromOwnAccountInput!) { spendFromOwnAccount(input: $input) { amount } }`, {
      input: { memberId: son, amount: '50.00', idempotencyKey: key('spend') },
    });
  await cluster.recover();
  const rows = await cluster.sql('national', `SELECT id FROM transfer WHERE relationship_id = $1`, [rel]);
  assert.deepEqual(rows, [], 'refused on recovery: the PENDING record is removed');
  assert.deepEqual((await reconciliation(cluster, '32')).differences, []);
  const replay = await cluster.as({ member: son }).query(TRANSFER, { input });
  assert.deepEqual(
    codes(replay),
    ['INSUFFICIENT_BALANCE'],
    'the same key now gets the final answer, the refusal recovery got',
  );
});
