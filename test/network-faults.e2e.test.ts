import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import {
  codes,
  enrol,
  key,
  relate,
  settle,
  startTestCluster,
  transfer,
  TRANSFER,
  type TestCluster,
} from './support/cluster-fixture';
import { eventually } from './support/provinces-down';

/**
 * Across a network: every link between the deployments, and from each service to its database,
 * goes through a fault proxy, and the tests black-hole, cut and heal them. A silent peer never
 * holds a request past its budget: money paths answer OUTCOME_PENDING (R30) and recovery finishes
 * them after healing; fan-outs answer with the provinces that answered. Budgets here are short so
 * the tests are quick; the assertions allow a wide margin for a loaded machine.
 */
const PROVINCE_CALL_MS = 3_000;
const NATIONAL_CALL_MS = 8_000;
const MARGIN_MS = 6_000;
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(
    ['32', '51'],
    undefined,
    {},
    {
      faultLinks: true,
      serviceEnv: {
        PROVINCE_CALL_TIMEOUT_MS: String(PROVINCE_CALL_MS),
        NATIONAL_CALL_TIMEOUT_MS: String(NATIONAL_CALL_MS),
        DB_STATEMENT_TIMEOUT_MS: '6000',
        BREAKER_OPEN_MS: '1000',
      },
    },
  );
});

afterEach(() => cluster?.healAll());

after(async () => {
  await cluster?.stop();
});

/** Runs `work` and how long it took. */
async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

const within = (ms: number, budget: number, what: string) =>
  assert.ok(
    ms <= budget + MARGIN_MS,
    `${what}: answered after ${ms} ms, budget ${budget} ms (+${MARGIN_MS} ms margin)`,
  );

async function balanced(): Promise<void> {
  await cluster.waitUntilQuiet(120_000);
  for (const [province, report] of Object.entries(await cluster.reconcile())) {
    assert.deepEqual([province, report.balanced, report.differences], [province, true, []]);
  }
}

test('a black-holed donor province during a transfer: OUTCOME_PENDING within the budget, the final answer under the same key after healing', async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '500.00' });
  const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const rel = await relate(cluster, son, father);
  const input = {
    relationshipId: rel,
    amount: '200.00',
    fundSource: 'CURRENT_YEAR',
    idempotencyKey: key('blackhole-transfer'),
  };
  cluster.link('national', '32').blackhole();
  const during = await timed(() => cluster.as({ member: son }).query(TRANSFER, { input }));
  assert.deepEqual(codes(during.result), ['OUTCOME_PENDING'], JSON.stringify(during.result.errors));
  within(during.ms, NATIONAL_CALL_MS, 'the transfer');
  cluster.link('national', '32').heal();
  await cluster.waitUntilQuiet(120_000);
  const final = await cluster.as({ member: son }).ok(TRANSFER, { input });
  assert.equal(final.transferQuota.state, 'COMMITTED', 'the same key gets the final answer');
  const [holds] = await cluster.sql<{ n: number }>(
    '32',
    `SELECT count(*)::int AS n FROM account_entry WHERE kind = 'HOLD_PLACED' AND member_id = $1`,
    [son],
  );
  assert.equal(holds.n, 1, 'held exactly once');
  await balanced();
});

const FIGURES = `{ provinces(connectedOnly: true, page: { first: 40 }) { edges { node { code memberCount heldForQuotas } } } }`;
type FiguresData = { provinces: { edges: { node: { code: string; memberCount: number | null } }[] } };

test("the dashboard with one province black-holed: answered within the budget, that province's error on its path", async () => {
  await enrol(cluster, { region: '320100', currentYear: '10.00' });
  cluster.link('gateway', '51').blackhole();
  for (let round = 0; round < 4; round++) {
    const { result, ms } = await timed(() => cluster.as('dashboard').query<FiguresData>(FIGURES));
    within(ms, PROVINCE_CALL_MS, `the figures, round ${round + 1}`);
    const nodes = result.data?.provinces.edges.map((e) => e.node) ?? [];
    const silent = nodes.findIndex((n) => n.code === '51');
    assert.ok((nodes.find((n) => n.code === '32')?.memberCount ?? 0) > 0, "the answering province's figures are there");
    assert.equal(nodes[silent]?.memberCount, null);
    assert.deepEqual(
      result.errors?.map((e) => [e.extensions?.code, e.extensions?.province, e.path]),
      [['PROVINCE_UNAVAILABLE', '51', ['provinces', 'edges', silent, 'node']]],
    );
  }
  cluster.link('gateway', '51').heal();
  await eventually(
    async () => {
      const healed = await cluster.as('dashboard').query<FiguresData>(FIGURES);
      return (
        healed.errors === undefined && healed.data?.provinces.edges.every((e) => e.node.memberCount !== null) === true
      );
    },
    'the province answers again after healing',
    60_000,
  );
});

test('national black-holed from the gateway: NATIONAL_UNAVAILABLE within the budget', async () => {
  cluster.link('gateway', 'national').blackhole();
  const { result, ms } = await timed(() => cluster.as('dashboard').query(FIGURES));
  within(ms, NATIONAL_CALL_MS, 'the figures');
  assert.deepEqual(codes(result), ['NATIONAL_UNAVAILABLE']);
  cluster.link('gateway', 'national').heal();
  await eventually(
    async () => (await cluster.as('dashboard').query(FIGURES)).errors === undefined,
    'national answers again',
    60_000,
  );
});

test("national cut from a province while a settlement's captures are pending: each captured exactly once after healing", async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '500.00' });
  const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const rel = await relate(cluster, son, father);
  assert.equal((await transfer(cluster, rel, '300.00')).data?.transferQuota.state, 'COMMITTED');
  // Requests reach province 32 and are done there; its answers are lost.
  cluster.link('national', '32').cut('one-way');
  const first = await timed(() => settle(cluster, father, '100.00'));
  const second = await timed(() => settle(cluster, father, '50.00'));
  for (const paid of [first, second]) {
    assert.equal(paid.result.errors, undefined, 'the settlement is decided in the national database');
    within(paid.ms, NATIONAL_CALL_MS, 'the settlement');
  }
  cluster.link('national', '32').heal();
  await balanced();
  const captures = await cluster.sql<{ amount: string }>(
    '32',
    `SELECT (-balance_delta)::text AS amount FROM account_entry WHERE kind = 'HOLD_CAPTURED' AND member_id = $1 ORDER BY 1`,
    [son],
  );
  assert.deepEqual(
    captures.map((c) => c.amount),
    ['10000', '5000'],
    'each captured once',
  );
  const [account] = await cluster.sql<{ balance: string; held: string }>(
    '32',
    `SELECT balance, held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [son],
  );
  assert.deepEqual(account, { balance: '35000', held: '15000' });
});

test('a province cut from its own database: its health says so, nothing is half-written, and all is well after healing', async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '500.00' });
  const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const rel = await relate(cluster, son, father);
  const health = async () =>
    (await fetch(`${cluster.provinces.get('32')?.baseUrl}/health`)).json() as Promise<{ status: string }>;
  cluster.link('32', 'db').blackhole();
  assert.equal((await health()).status, 'database unreachable');
  const input = { relationshipId: rel, amount: '120.00', fundSource: 'CURRENT_YEAR', idempotencyKey: key('db-cut') };
  const during = await timed(() => cluster.as({ member: son }).query(TRANSFER, { input }));
  within(during.ms, NATIONAL_CALL_MS, 'the transfer');
  assert.ok(
    ['OUTCOME_PENDING', 'PROVINCE_UNAVAILABLE'].includes(String(codes(during.result)[0])),
    JSON.stringify(during.result.errors),
  );
  cluster.link('32', 'db').heal();
  await eventually(async () => (await health()).status === 'ok', 'the province reaches its database again', 60_000);
  await balanced();
  const [row] = await cluster.sql<{ state: string }>(
    'national',
    `SELECT state FROM transfer WHERE idempotency_key = $1`,
    [input.idempotencyKey],
  );
  const [holds] = await cluster.sql<{ n: number }>(
    '32',
    `SELECT count(*)::int AS n FROM account_entry WHERE kind = 'HOLD_PLACED' AND member_id = $1`,
    [son],
  );
  const [account] = await cluster.sql<{ held: string }>(
    '32',
    `SELECT held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [son],
  );
  if (row?.state === 'COMMITTED') assert.deepEqual([holds.n, account.held], [1, '12000'], 'committed: held once');
  else assert.deepEqual([holds.n, account.held], [0, '0'], 'not recorded: nothing held');
});

test('a province restarted while its database cannot be reached waits for it, and serves once the link heals', async () => {
  const son = await enrol(cluster, { region: '320500', currentYear: '80.00' });
  await cluster.kill('32');
  cluster.link('32', 'db').blackhole();
  const restarted = cluster.restart('32');
  setTimeout(() => cluster.link('32', 'db').heal(), 4_000);
  await restarted;
  const [account] = await cluster.sql<{ balance: string }>(
    '32',
    `SELECT balance FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [son],
  );
  assert.equal(account.balance, '8000');
  await balanced();
});
