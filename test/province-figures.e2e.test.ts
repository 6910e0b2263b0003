import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import {
  balanced,
  enrol,
  reconciliation,
  relate,
  settle,
  startTestCluster,
  transfer,
  type TestCluster,
} from './support/cluster-fixture';

/**
 * The figures the dashboard's fan-out reads are kept by the province as its members and accounts
 * change (not counted on each read); they must always equal what the tables count.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '51']);
});

after(async () => {
  await cluster?.stop();
});

interface Figures {
  memberCount: number;
  employeeCount: number;
  residentCount: number;
  personalAccountBalance: string;
  heldForQuotas: string;
}

async function figuresRead(): Promise<Map<string, Figures>> {
  const data = await cluster.as('dashboard').ok(`{ provinces(connectedOnly: true) { edges { node {
    code memberCount employeeCount residentCount personalAccountBalance heldForQuotas } } } }`);
  return new Map(
    data.provinces.edges.map(({ node: { code, ...figures } }: { node: Figures & { code: string } }) => [code, figures]),
  );
}

async function figuresCounted(province: string): Promise<Figures> {
  const [row] = await cluster.sql<{ members: number; employees: number; balance: string; held: string }>(
    province,
    `
    SELECT (SELECT count(*)::int FROM member WHERE status = 'INSURED') AS members,
           (SELECT count(*)::int FROM member WHERE status = 'INSURED' AND insurance_type = 'EMPLOYEE') AS employees,
           (SELECT coalesce(sum(balance), 0)::text FROM account) AS balance, (SELECT coalesce(sum(held), 0)::text FROM account) AS held`,
  );
  const yuan = (fen: string) => (Number(fen) / 100).toFixed(2);
  return {
    memberCount: row.members,
    employeeCount: row.employees,
    residentCount: row.members - row.employees,
    personalAccountBalance: yuan(row.balance),
    heldForQuotas: yuan(row.held),
  };
}

async function assertFiguresEqualTables(step: string): Promise<void> {
  const read = await figuresRead();
  for (const province of ['32', '51'])
    assert.deepEqual(read.get(province), await figuresCounted(province), `${step}: province ${province}`);
  await balanced(cluster);
}

test('the figures follow enrolments, contributions, holds, spending and ended memberships', async () => {
  await assertFiguresEqualTables('before anything');
  const son = await enrol(cluster, { region: '320500', currentYear: '3600.00', accumulated: '12850.00' });
  const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const colleague = await enrol(cluster, { region: '320500', currentYear: '80.00' });
  await assertFiguresEqualTables('after enrolments and contributions');
  assert.equal((await figuresRead()).get('32')?.employeeCount, 2);

  const relationshipId = await relate(cluster, son, father, 'PARENT');
  assert.equal((await transfer(cluster, relationshipId, '500.00')).errors, undefined);
  assert.equal((await figuresRead()).get('32')?.heldForQuotas, '500.00');
  await assertFiguresEqualTables('after a hold');

  assert.equal((await settle(cluster, father, '236.00', '510100')).errors, undefined);
  assert.equal((await figuresRead()).get('32')?.heldForQuotas, '264.00');
  await assertFiguresEqualTables('after spending from the quota');

  await cluster
    .as({ portal: '32' })
    .ok(`mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) { endedMember { status } } }`, {
      input: { memberId: colleague, reason: 'INSURANCE_ENDED', idempotencyKey: 'end-of-colleague' },
    });
  assert.equal((await figuresRead()).get('32')?.memberCount, 1);
  await assertFiguresEqualTables('after a membership ended');
});

test('a kept figure that drifted from the tables is a reconciliation difference (R20)', async () => {
  await cluster.sql('32', `UPDATE figure_row SET held = held + 1 WHERE backend = 0`);
  try {
    const report = await reconciliation(cluster, '32');
    assert.equal(report.balanced, false);
    assert.equal(report.differences.length, 1);
    assert.match(report.differences[0], /^province figure held: kept \d+, the tables count \d+$/);
  } finally {
    await cluster.sql('32', `UPDATE figure_row SET held = held - 1 WHERE backend = 0`);
  }
  await balanced(cluster, ['32']);
});

test('the figure rows of database sessions that ended are folded into one, the figures unchanged', async () => {
  const before = await figuresRead();
  // A session of its own changes a member (any writer is counted), then ends.
  const [{ pid }] = await cluster.sql<{ pid: number }>(
    '51',
    `
    WITH changed AS (UPDATE member SET status = 'ENDED' WHERE status = 'INSURED' RETURNING 1) SELECT pg_backend_pid() AS pid FROM changed`,
  );
  await cluster.sql('51', `UPDATE member SET status = 'INSURED' WHERE status = 'ENDED'`);
  const rowsOf = async () =>
    (await cluster.sql<{ backend: number }>('51', `SELECT backend FROM figure_row`)).map((r) => r.backend);
  assert.ok((await rowsOf()).includes(pid));
  const deadline = Date.now() + 30_000;
  while ((await rowsOf()).includes(pid)) {
    assert.ok(Date.now() < deadline, 'the row of the ended session is folded');
    await cluster.sql('51', `SELECT fold_figure_rows()`);
    await setTimeout(100);
  }
  assert.deepEqual(await figuresRead(), before);
  await assertFiguresEqualTables('after folding');
});
