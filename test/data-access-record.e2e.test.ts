import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  codes,
  enrol,
  internal,
  relate,
  startTestCluster,
  transfer,
  type TestCluster,
} from './support/cluster-fixture';
import { idNumberOf } from './support/person-index';

/** R32: every staff read of a member's personal data is recorded in the member's province; the member and that province's portal read it. */
let cluster: TestCluster;
const m: Record<string, string> = {};

before(async () => {
  cluster = await startTestCluster(['32', '51']);
  m.son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '500.00' });
  m.father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  m.rel = await relate(cluster, m.son, m.father);
  await transfer(cluster, m.rel, '100.00');
});

after(async () => {
  await cluster?.stop();
});

const PAGE = `query($id: ID!) { member(id: $id) { name personalAccount { balance entries(page: { first: 2 }) { edges { node { kind } } } }
  wallet { activatedAt } relationshipsAsDonor { edges { node { id } } } settlements { edges { node { id } } } quotaAvailable } }`;
const LOG = `query($id: ID!) { member(id: $id) { dataAccessLog(page: { first: 100 }) {
  edges { node { memberId data readerRole readerProvince operatorId readAt } } pageInfo { hasNextPage } } } }`;
const STAFF_LOG = `query($p: ID!) { dataAccessRecords(province: $p, page: { first: 100 }) { edges { node { memberId data readerRole operatorId } } } }`;

interface Row {
  memberId: string;
  data: string;
  readerRole: string;
  readerProvince: string;
  operatorId: string | null;
}
const logOf = async (memberId: string): Promise<Row[]> =>
  (await cluster.as({ member: memberId }).ok(LOG, { id: memberId })).member.dataAccessLog.edges.map(
    (e: { node: Row }) => e.node,
  );

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within 30 s: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('R32: reads by staff are recorded', () => {
  test("a member's own reads are not staff reads: nothing is recorded", async () => {
    await cluster.as({ member: m.son }).ok(PAGE, { id: m.son });
    await new Promise((r) => setTimeout(r, 1500)); // longer than a forwarding round
    assert.deepEqual(await logOf(m.son), []);
  });

  test("a portal's and a window operator's reads: who, which member, which data, in the member's province", async () => {
    await cluster.as({ portal: '32' }).ok(PAGE, { id: m.son });
    await cluster
      .as({ operator: 'SZ-0042', province: '32' })
      .ok(`query($id: ID!) { member(id: $id) { personalAccount { available } } }`, { id: m.son });
    const expected = ['ACCOUNT', 'LEDGER', 'NAME', 'QUOTA', 'RELATIONSHIPS', 'SETTLEMENTS', 'WALLET'];
    await eventually(async () => {
      const portal = (await logOf(m.son))
        .filter((r) => r.readerRole === 'PROVINCIAL_PORTAL')
        .map((r) => r.data)
        .sort();
      return JSON.stringify(portal) === JSON.stringify(expected);
    }, "the portal's reads of province and national data (national forwards its own within seconds)");
    const log = await logOf(m.son);
    const operator = log.filter((r) => r.readerRole === 'WINDOW_OPERATOR');
    assert.deepEqual(
      operator.map((r) => [r.data, r.operatorId, r.readerProvince, r.memberId]),
      [['ACCOUNT', 'SZ-0042', '32', m.son]],
    );
    const [rows] = await cluster.sql<{ n: string }>(
      '32',
      `SELECT count(*) AS n FROM data_access_record WHERE member_id = $1`,
      [m.son],
    );
    assert.equal(Number(rows.n), expected.length + 1, "in the database of the member's province");
    const [elsewhere] = await cluster.sql<{ n: string }>('51', `SELECT count(*) AS n FROM data_access_record`);
    assert.equal(Number(elsewhere.n), 0);
  });

  test('a search by ID number is recorded too; a lookup that finds nobody the caller may see is not', async () => {
    const person = { id_number: await idNumberOf(cluster, m.son) };
    const before = (await logOf(m.son)).length;
    const found = await cluster
      .as({ portal: '32' })
      .ok(`query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, { n: person.id_number });
    assert.equal(found.memberByIdNumber.id, m.son);
    const notTheirs = await cluster
      .as({ portal: '51' })
      .ok(`query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, { n: person.id_number });
    assert.equal(notTheirs.memberByIdNumber, null);
    await eventually(async () => (await logOf(m.son)).length === before + 1, 'one ID_NUMBER record');
    assert.equal((await logOf(m.son))[0].data, 'ID_NUMBER');
  });
});

describe('R32: who reads the record', () => {
  test("the province's portal lists its staff's reads; nobody else does", async () => {
    const staff = await cluster.as({ portal: '32' }).ok(STAFF_LOG, { p: '32' });
    assert.ok(staff.dataAccessRecords.edges.length >= 7);
    assert.ok(staff.dataAccessRecords.edges.every((e: { node: Row }) => e.node.memberId === m.son));
    for (const who of [
      { portal: '51' },
      { operator: 'SZ-0042', province: '32' },
      { member: m.son },
      'dashboard',
    ] as const) {
      assert.deepEqual(codes(await cluster.as(who).query(STAFF_LOG, { p: '32' })), ['FORBIDDEN'], JSON.stringify(who));
    }
  });

  test('the member reads their own record; their portal, another member and the dashboard do not', async () => {
    const portal = await cluster.as({ portal: '32' }).query(LOG, { id: m.son });
    assert.deepEqual(codes(portal), ['FORBIDDEN']);
    assert.equal(portal.data?.member?.dataAccessLog ?? null, null);
    assert.equal((await cluster.as({ member: m.father }).query(LOG, { id: m.son })).data?.member, null);
    assert.equal((await cluster.as('dashboard').query(LOG, { id: m.son })).data?.member, null);
  });

  test('a page cursor that the list did not give out is refused', async () => {
    const response = await cluster
      .as({ member: m.son })
      .query(`query($id: ID!) { member(id: $id) { dataAccessLog(page: { after: "eHl6" }) { edges { cursor } } } }`, {
        id: m.son,
      });
    assert.deepEqual(codes(response), ['INVALID_ARGUMENT']);
  });
});

describe('R32: the record is append-only and forwarding is idempotent', () => {
  test('UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
    for (const statement of [
      "UPDATE data_access_record SET data = 'WALLET'",
      'DELETE FROM data_access_record',
      'TRUNCATE data_access_record',
    ]) {
      await assert.rejects(cluster.sql('32', statement), /append-only/, statement);
    }
  });

  test("a batch forwarded twice is recorded once; records of another province's member are refused", async () => {
    const province32 = internal(cluster, cluster.provinces.get('32')?.baseUrl ?? '', 'national');
    const record = {
      id: randomUUID(),
      memberId: m.son,
      data: 'WALLET',
      readerRole: 'PROVINCIAL_PORTAL',
      readerProvince: '32',
      readerSubject: 'replayed',
      operatorId: null,
      readAt: new Date().toISOString(),
    };
    await province32.call('recordAccess', { records: [record] });
    await province32.call('recordAccess', { records: [record] });
    const rows = await cluster.sql('32', `SELECT id FROM data_access_record WHERE reader_subject = 'replayed'`);
    assert.equal(rows.length, 1);
    await assert.rejects(
      province32.call('recordAccess', { records: [{ ...record, id: randomUUID(), memberId: m.father }] }),
      (error: { code?: string }) => error.code === 'INVALID_ARGUMENT',
    );
    const asGateway = internal(cluster, cluster.provinces.get('32')?.baseUrl ?? '', 'gateway');
    await assert.rejects(asGateway.call('recordAccess', { records: [{ ...record, id: randomUUID() }] }), /HTTP 403/);
  });
});
