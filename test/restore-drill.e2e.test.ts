import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { privateKeyFile } from '../cluster/keys';
import { run, script } from './support/run-script';
import { scrape, total } from './support/prometheus-text';
import {
  ACCEPT,
  DISSOLVE,
  enrol,
  key,
  reconciliation,
  REFUND,
  relate,
  settle,
  startTestCluster,
  type TestCluster,
  TRANSFER,
} from './support/cluster-fixture';

/**
 * The restore drill (docs/replicas-and-restore.md): province 32's database is copied (the backup),
 * transfers, settlements (one paid partly from the beneficiary's own account), a refund after a
 * dissolution and a move out of the province run, then the copy is put back in place of the
 * database. R20 reconciliation names the holds and the move the province lost; `npm run
 * restore-heal -- --province 32` books again what national knows, and the province is as it was
 * before the restore: every account, every hold, every ledger entry once; national's /metrics
 * reports the differences, then none. A contribution credited
 * after the backup is the province's own write: it cannot come back, and the hold it paid for is
 * named by the heal and by reconciliation.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '51']);
});

after(async () => {
  await cluster?.stop();
});

/** SQL on the embedded PostgreSQL's maintenance database (creating and dropping databases). */
async function admin(statements: string[]): Promise<void> {
  const client = new Client({ connectionString: cluster.databaseUrls['32'].replace(/\/province_32$/, '/postgres') });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A backup of province 32's database (a copy of it by PostgreSQL, taken while the province is stopped). */
async function backUp(name: string): Promise<void> {
  await cluster.stopService('32');
  await admin([
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'province_32' AND pid <> pg_backend_pid()`,
    `CREATE DATABASE ${name} TEMPLATE province_32`,
  ]);
  await cluster.restart('32');
}

/** Puts the backup in place of province 32's database, as a restore does. */
async function restore(name: string): Promise<void> {
  await cluster.stopService('32');
  await admin([`DROP DATABASE province_32 WITH (FORCE)`, `CREATE DATABASE province_32 TEMPLATE ${name}`]);
  await cluster.restart('32');
}

/** What must be the same before the restore and after the heal: every account, hold and ledger entry of province 32. */
async function provinceState() {
  return {
    accounts: await cluster.sql('32', `SELECT member_id, fund_source, balance, held FROM account ORDER BY 1, 2`),
    holds: await cluster.sql('32', `SELECT id, member_id, amount, captured, released, restored FROM hold ORDER BY id`),
    entries: await cluster.sql(
      '32',
      `SELECT member_id, fund_source, kind, balance_delta, held_delta, operation_id, hold_id, count(*)::int AS n
      FROM account_entry GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 6, 7, 4, 5`,
    ),
    members: await cluster.sql('32', `SELECT id, status FROM member ORDER BY id`),
  };
}

const heal = (...args: string[]) =>
  run(script('restore-heal'), ['--province', '32', ...args], {
    DATABASE_URL: cluster.databaseUrls.national,
    SERVICE_KEY_FILE: privateKeyFile(cluster.keysDir, 'national'),
    PROVINCE_URLS: [...cluster.provinces].map(([code, p]) => `${code}=${p.baseUrl}`).join(','),
  });

/** The holds that differences name: a hold's amount, or a movement of it missing from the ledger. */
const heldIn = (differences: string[]) =>
  new Set(differences.flatMap((d) => /^hold (\S+):|\(hold (\S+)\)/.exec(d)?.slice(1).find(Boolean) ?? []));

async function sendQuota(donor: string, beneficiary: string, relationshipId: string, amount: string): Promise<string> {
  const sent = await cluster
    .as({ member: donor })
    .ok(TRANSFER, { input: { relationshipId, amount, fundSource: 'CURRENT_YEAR', idempotencyKey: key('t') } });
  await cluster.as({ member: beneficiary }).ok(ACCEPT, { id: sent.transferQuota.id });
  return sent.transferQuota.id as string;
}

test('a province restored from an earlier backup is named by reconciliation and healed from what national knows', {
  timeout: 15 * 60_000,
}, async () => {
  // Before the backup: three families, some quota set and spent.
  const [a, b, c] = [
    await enrol(cluster, { region: '320500', currentYear: '800.00', accumulated: '100.00' }),
    await enrol(cluster, { region: '320500', currentYear: '600.00' }),
    await enrol(cluster, { region: '320500', currentYear: '400.00' }),
  ];
  const parentA = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const childB = await enrol(cluster, { region: '320500', currentYear: '50.00' }); // pays from their own account first (R14)
  const parentC = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const [relA, relB, relC] = [
    await relate(cluster, a, parentA),
    await relate(cluster, b, childB, 'CHILD'),
    await relate(cluster, c, parentC),
  ];
  const early = await sendQuota(a, parentA, relA, '100.00');
  assert.equal((await settle(cluster, parentA, '40.00')).errors, undefined);
  await cluster.waitUntilQuiet();
  await backUp('province_32_backup');

  // After the backup: what national knows and the restored province will have lost.
  const holdA = await sendQuota(a, parentA, relA, '200.00');
  const paidA = (await settle(cluster, parentA, '250.00')).data?.settleExpense; // 60.00 of the early quota, 190.00 of the new
  assert.equal(paidA?.quotaPaid, '250.00');
  const holdB = await sendQuota(b, childB, relB, '150.00');
  const paidB = (await settle(cluster, childB, '120.00', '320500')).data?.settleExpense;
  assert.deepEqual([paidB?.ownAccountPaid, paidB?.quotaPaid], ['50.00', '70.00']);
  const holdC = await sendQuota(c, parentC, relC, '100.00');
  const paidC = (await settle(cluster, parentC, '30.00')).data?.settleExpense;
  await cluster.as({ member: c }).ok(DISSOLVE, { input: { relationshipId: relC, channel: 'NATIONAL_APP' } }); // 70.00 released
  await cluster
    .as({ portal: '51' })
    .ok(REFUND, { input: { settlementId: paidC.id, amount: '30.00', idempotencyKey: key('refund') } }); // to c's account
  await cluster
    .as({ portal: '32' })
    .ok(`mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) { newMember { id } } }`, {
      input: { memberId: b, reason: 'MOVED', newPoolingRegion: '510100', idempotencyKey: key('move') },
    });
  await cluster.waitUntilQuiet();
  assert.deepEqual((await reconciliation(cluster, '32')).differences, [], 'balanced before the restore');
  const before = await provinceState();

  await restore('province_32_backup');
  const found = await reconciliation(cluster, '32');
  assert.deepEqual(
    heldIn(found.differences),
    new Set([early, holdA, holdB, holdC]),
    `the holds lost are named:\n${found.differences.join('\n')}`,
  );
  const [{ id: moveId }] = await cluster.sql<{ id: string }>(
    'national',
    `SELECT id FROM account_move WHERE from_member = $1`,
    [b],
  );
  assert.ok(
    found.differences.some((d) => d.startsWith(`move ${moveId}: TRANSFER_OUT booked 0.00 yuan`)),
    found.differences.join('\n'),
  );

  for (const movement of [
    `spendOwn ${paidB?.id as string} (member ${childB})`,
    `captureHold ${paidB?.id as string} (hold ${holdB})`,
    `placeHold ${holdC} (hold ${holdC})`,
  ]) {
    assert.ok(
      found.differences.includes(`entry missing: ${movement}, which national has had the province book`),
      `${movement} named:\n${found.differences.join('\n')}`,
    );
  }

  // /metrics reports the last reconciliation: what the alert WalletReconciliationDifferences watches.
  const reported = async (name: string) => total(await scrape(cluster.national.baseUrl), name, { province: '32' });
  assert.equal(await reported('wallet_reconciliation_differences'), found.differences.length);
  assert.equal(
    await reported('wallet_reconciliation_missing_entries'),
    found.differences.filter((d) => d.startsWith('entry missing:')).length,
  );
  assert.ok((await reported('wallet_reconciliation_missing_entries')) >= 3);

  const checked = await heal('--check');
  assert.equal(
    checked.code,
    1,
    `--check reports the differences and changes nothing: ${checked.stdout}${checked.stderr}`,
  );
  assert.deepEqual(await reconciliation(cluster, '32'), found);

  const healed = await heal();
  assert.equal(healed.code, 0, `${healed.stdout}${healed.stderr}`);
  assert.match(healed.stdout, /reconciliation of province 32 before: \d+ differences/);
  assert.match(healed.stdout, /reconciliation of province 32 after: balanced/);
  assert.doesNotMatch(healed.stdout, /refused|booked differently/);
  assert.deepEqual(
    await provinceState(),
    before,
    'every account, hold and ledger entry as before the restore: nothing lost, nothing twice',
  );
  assert.equal(
    await reported('wallet_reconciliation_differences'),
    0,
    "restore-heal's last reconciliation found it balanced",
  );

  const again = await heal();
  assert.equal(again.code, 0, 'healing twice changes nothing');
  assert.deepEqual(await provinceState(), before);
  for (const code of ['32', '51'])
    assert.deepEqual((await reconciliation(cluster, code)).differences, [], `R20 in ${code}`);
});

test('what national never saw cannot come back: a contribution after the backup, and the hold it paid for, are named', {
  timeout: 10 * 60_000,
}, async () => {
  const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  const parent = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const rel = await relate(cluster, donor, parent);
  await cluster.waitUntilQuiet();
  await backUp('province_32_second_backup');
  await cluster
    .as({ portal: '32' })
    .ok(`mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`, {
      input: { memberId: donor, fundSource: 'CURRENT_YEAR', amount: '200.00', idempotencyKey: key('contribution') },
    });
  const hold = await sendQuota(donor, parent, rel, '250.00'); // needs the contribution
  await cluster.waitUntilQuiet();

  await restore('province_32_second_backup');
  const healed = await heal();
  assert.equal(healed.code, 1, 'differences are left');
  assert.match(healed.stdout, new RegExp(`refused: placeHold ${hold} \\(${hold}\\):`), healed.stdout);
  const left = await reconciliation(cluster, '32');
  assert.deepEqual(
    [...heldIn(left.differences)],
    [hold],
    `the operator sees the hold that cannot be booked:\n${left.differences.join('\n')}`,
  );
  assert.ok(
    left.differences.includes(
      `entry missing: placeHold ${hold} (hold ${hold}), which national has had the province book`,
    ),
    left.differences.join('\n'),
  );
  const [account] = await cluster.sql<{ balance: string }>(
    '32',
    `SELECT balance FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [donor],
  );
  assert.equal(
    account.balance,
    '10000',
    'the contribution after the backup is gone: only the province could book it again',
  );
});
