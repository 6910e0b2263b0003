import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GraphQLResponse } from '../cluster/graphql-client';
import {
  codes,
  enrol,
  ESTABLISH,
  key,
  letter,
  moneySnapshot,
  newIdNumber,
  relate,
  settle,
  startTestCluster,
  type TestCluster,
  transfer,
} from './support/cluster-fixture';
import { eventually, whileDown } from './support/provinces-down';
import { idNumberOf } from './support/person-index';

/**
 * A provincial portal's lists of its own province, through the gateway: its members (by ID number,
 * name prefix, pooling region, status, paged), a member's history, the relationships, transfers and
 * settlements touching it, its clearing position (R22). Another province's staff are refused, bad
 * input is INVALID_ARGUMENT and changes nothing, and each list keeps answering, marking what is
 * missing, while another province is down.
 */
let cluster: TestCluster;
const m: Record<string, string> = {};
const rel: Record<string, string> = {};
const ids: Record<string, string> = {};
let period: { from: string; to: string };

before(async () => {
  cluster = await startTestCluster(['32', '13', '51']);
  m.son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '3600.00' });
  m.namesake = await enrol(cluster, { region: '320100', name: '伍强华', currentYear: '800.00' });
  m.neighbour = await enrol(cluster, { region: '320500', name: '王芳', type: 'RESIDENT' });
  m.daughter = await enrol(cluster, { region: '320100', name: '李小雨', type: 'RESIDENT' });
  m.father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  m.hebei = await enrol(cluster, { region: '130100', name: '张丽', currentYear: '900.00' });
  rel.across = await relate(cluster, m.son, m.father, 'PARENT'); // 32 → 51
  rel.toJiangsu = await relate(cluster, m.hebei, m.daughter, 'CHILD'); // 13 → 32
  rel.within = await relate(cluster, m.namesake, m.neighbour, 'SIBLING'); // 32 → 32
  const waiting = await cluster.as({ member: m.son }).ok(ESTABLISH, {
    // awaits the beneficiary's consent
    input: {
      donorId: m.son,
      beneficiaryId: m.daughter,
      relation: 'SIBLING',
      channel: 'NATIONAL_APP',
      commitment: letter(),
    },
  });
  rel.waiting = waiting.establishMutualAid.id;
  for (const [relationship, amount] of [
    [rel.across, '500.00'],
    [rel.toJiangsu, '400.00'],
    [rel.within, '300.00'],
  ]) {
    assert.equal((await transfer(cluster, relationship, amount)).errors, undefined);
  }
  ids.spentIn51 = (await settle(cluster, m.father, '236.00', '510100')).data?.settleExpense.id; // 32's quota spent in 51
  ids.fromHebei = (await settle(cluster, m.daughter, '180.00', '320100')).data?.settleExpense.id; // 13's quota spent in 32
  ids.within = (await settle(cluster, m.neighbour, '120.00', '320500')).data?.settleExpense.id; // 32's quota spent in 32
  const now = Date.now();
  period = { from: new Date(now - 3 * 86_400_000).toISOString(), to: new Date(now + 3 * 86_400_000).toISOString() };
});

after(async () => {
  await cluster?.stop();
});

/** Reads refused with `code`: each answered with that one error and no data, and no database changed meanwhile. */
async function refusedReads(
  requests: (() => Promise<GraphQLResponse<Record<string, unknown>>>)[],
  code: string,
): Promise<void> {
  const before = await moneySnapshot(cluster);
  for (const [i, request] of requests.entries()) {
    const response = await request();
    assert.deepEqual(codes(response), [code], `request ${i}: ${JSON.stringify(response.errors)}`);
    assert.ok(
      Object.values(response.data ?? {}).every((v) => v === null),
      `request ${i} answers no data`,
    );
  }
  assert.deepEqual(await moneySnapshot(cluster), before, 'a refusal changes nothing');
}

const MEMBERS = `query($p: ID!, $filter: MemberFilter, $page: PageInput) { members(province: $p, filter: $filter, page: $page) {
  edges { cursor node { id name maskedIdNumber status poolingRegion { code } } } pageInfo { hasNextPage endCursor } } }`;
const idsOf = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((e) => e.node.id);

describe('members of the province', () => {
  test('by name prefix, in name order, paged; by ID number; by pooling region and status', async () => {
    const portal = cluster.as({ portal: '32' });
    const first = (await portal.ok(MEMBERS, { p: '32', filter: { namePrefix: '伍强' }, page: { first: 1 } })).members;
    assert.deepEqual(
      first.edges.map((e: { node: { name: string } }) => e.node.name),
      ['伍强'],
    );
    assert.equal(first.pageInfo.hasNextPage, true);
    const next = (
      await portal.ok(MEMBERS, {
        p: '32',
        filter: { namePrefix: '伍强' },
        page: { first: 1, after: first.pageInfo.endCursor },
      })
    ).members;
    assert.deepEqual(
      next.edges.map((e: { node: { name: string } }) => e.node.name),
      ['伍强华'],
    );
    assert.equal(next.pageInfo.hasNextPage, false);

    const row = { id_number: await idNumberOf(cluster, m.daughter) };
    assert.deepEqual(
      idsOf((await portal.ok(MEMBERS, { p: '32', filter: { idNumber: row.id_number.toLowerCase() } })).members),
      [m.daughter],
    );
    assert.deepEqual(idsOf((await portal.ok(MEMBERS, { p: '32', filter: { idNumber: newIdNumber() } })).members), []);
    assert.deepEqual(
      idsOf((await portal.ok(MEMBERS, { p: '32', filter: { poolingRegion: '320100' } })).members),
      [m.namesake, m.daughter].sort(),
    );
    const everyone = (await portal.ok(MEMBERS, { p: '32' })).members;
    assert.deepEqual(idsOf(everyone), [m.son, m.namesake, m.neighbour, m.daughter].sort());
    assert.ok(
      everyone.edges.every((e: { node: { name: string } }) => !e.node.name.includes('*')),
      'its own staff see whole names',
    );

    const ended = await enrol(cluster, { region: '320500', name: '伍强国', wallet: false });
    await portal.ok(
      `mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) { endedMember { id } } }`,
      {
        input: { memberId: ended, reason: 'INSURANCE_ENDED', idempotencyKey: key('end') },
      },
    );
    assert.deepEqual(idsOf((await portal.ok(MEMBERS, { p: '32', filter: { status: 'ENDED' } })).members), [ended]);
    assert.deepEqual(
      idsOf((await portal.ok(MEMBERS, { p: '32', filter: { poolingRegion: '320500', status: 'INSURED' } })).members),
      [m.son, m.neighbour].sort(),
    );
    assert.deepEqual(
      idsOf((await portal.ok(MEMBERS, { p: '32', filter: { namePrefix: '伍强', status: 'INSURED' } })).members),
      [m.son, m.namesake],
    );
    // A window operator of the province may search too.
    const operator = cluster.as({ operator: 'SZ-0042', province: '32' });
    assert.deepEqual(idsOf((await operator.ok(MEMBERS, { p: '32', filter: { namePrefix: '王芳' } })).members), [
      m.neighbour,
    ]);
  });

  test('R32: a search by name or ID number is recorded for every member it found, in their province', async () => {
    const count = async (data: string) =>
      Number(
        (
          await cluster.sql<{ n: string }>(
            '32',
            `SELECT count(*) AS n FROM data_access_record WHERE member_id = $1 AND data = $2 AND reader_role = 'PROVINCIAL_PORTAL'`,
            [m.namesake, data],
          )
        )[0].n,
      );
    const before = await count('NAME');
    await cluster
      .as({ portal: '32' })
      .ok(`query { members(province: "32", filter: { namePrefix: "伍强华" }) { edges { node { id } } } }`);
    await eventually(async () => (await count('NAME')) === before + 1, 'one NAME record for the member found');
  });

  test("bad input is INVALID_ARGUMENT; another province's staff, a member and the dashboard are refused", async () => {
    const portal = cluster.as({ portal: '32' });
    const bad = [
      [{ namePrefix: '伍' }, undefined],
      [{ namePrefix: ' 伍 ' }, undefined],
      [{}, { first: 101 }],
      [{}, { first: 0 }],
      [{ poolingRegion: '510100' }, undefined],
      [{}, { first: 5, after: 'not-a-cursor' }],
    ];
    await refusedReads(
      bad.map(
        ([filter, page]) =>
          () =>
            portal.query(MEMBERS, { p: '32', filter, page }),
      ),
      'INVALID_ARGUMENT',
    );
    await refusedReads(
      [() => portal.query(MEMBERS, { p: '32', filter: { idNumber: '320102198808080048' } })],
      'INVALID_ID_NUMBER',
    );
    const others = [{ portal: '51' }, { operator: 'CD-11', province: '51' }, { member: m.son }, 'dashboard'] as const;
    await refusedReads(
      others.map((who) => () => cluster.as(who).query(MEMBERS, { p: '32' })),
      'FORBIDDEN',
    );
  });
});

describe('what touches the province, from national', () => {
  const RELATIONSHIPS = `query($p: ID!, $status: RelationshipStatus, $page: PageInput) { relationships(province: $p, status: $status, page: $page) {
    edges { node { id status donor { id name } beneficiary { id name } } } pageInfo { hasNextPage endCursor } } }`;

  test('relationships whose donor or beneficiary is of the province, by status, paged', async () => {
    const portal = cluster.as({ portal: '32' });
    const all = (await portal.ok(RELATIONSHIPS, { p: '32' })).relationships;
    assert.deepEqual(idsOf(all).sort(), [rel.across, rel.toJiangsu, rel.within, rel.waiting].sort());
    assert.deepEqual(idsOf((await portal.ok(RELATIONSHIPS, { p: '32', status: 'AWAITING_CONSENT' })).relationships), [
      rel.waiting,
    ]);
    assert.deepEqual(idsOf((await cluster.as({ portal: '51' }).ok(RELATIONSHIPS, { p: '51' })).relationships), [
      rel.across,
    ]);
    const across = all.edges.find((e: { node: { id: string } }) => e.node.id === rel.across).node;
    assert.equal(across.beneficiary.name, '伍*', "another province's member is masked");
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const page: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } =
        (await portal.ok(RELATIONSHIPS, { p: '32', page: { first: 1, after } })).relationships;
      paged.push(...idsOf(page));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    assert.deepEqual(paged, idsOf(all), 'one at a time, the same list in the same order');
  });

  const TRANSFERS = `query($p: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $cross: Boolean) {
    transfers(province: $p, from: $from, to: $to, crossProvince: $cross) { edges { node { id amount relationship { id } } } } }`;
  const relationshipsOf = (data: { transfers: { edges: { node: { relationship: { id: string } } }[] } }) =>
    data.transfers.edges.map((e) => e.node.relationship.id).sort();

  test("transfers of a period given or received by the province's members, within or across provinces", async () => {
    const portal = cluster.as({ portal: '32' });
    assert.deepEqual(
      relationshipsOf(await portal.ok(TRANSFERS, { p: '32', ...period })),
      [rel.across, rel.toJiangsu, rel.within].sort(),
    );
    assert.deepEqual(
      relationshipsOf(await portal.ok(TRANSFERS, { p: '32', ...period, cross: true })),
      [rel.across, rel.toJiangsu].sort(),
    );
    assert.deepEqual(relationshipsOf(await portal.ok(TRANSFERS, { p: '32', ...period, cross: false })), [rel.within]);
    const past = {
      from: new Date(Date.now() - 30 * 86_400_000).toISOString(),
      to: new Date(Date.now() - 20 * 86_400_000).toISOString(),
    };
    assert.deepEqual(relationshipsOf(await portal.ok(TRANSFERS, { p: '32', ...past })), []);
    assert.deepEqual(relationshipsOf(await cluster.as({ portal: '13' }).ok(TRANSFERS, { p: '13', ...period })), [
      rel.toJiangsu,
    ]);
  });

  const SETTLEMENTS = `query($p: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $cross: Boolean, $category: ExpenseCategory, $institution: String) {
    settlements(province: $p, from: $from, to: $to, crossProvince: $cross, category: $category, institution: $institution) {
      edges { node { id amount quotaPaid settledAt beneficiary { id } institution { name poolingRegion { code } } } } } }`;
  const settlementIds = (data: { settlements: { edges: { node: { id: string } }[] } }) =>
    idsOf(data.settlements).sort();

  test('settlements spent in the province in a period, by category, institution, within or across provinces', async () => {
    const portal = cluster.as({ portal: '32' });
    assert.deepEqual(
      settlementIds(await portal.ok(SETTLEMENTS, { p: '32', ...period })),
      [ids.fromHebei, ids.within].sort(),
    );
    assert.deepEqual(settlementIds(await portal.ok(SETTLEMENTS, { p: '32', ...period, cross: true })), [ids.fromHebei]);
    assert.deepEqual(settlementIds(await portal.ok(SETTLEMENTS, { p: '32', ...period, cross: false })), [ids.within]);
    assert.deepEqual(
      settlementIds(
        await portal.ok(SETTLEMENTS, { p: '32', ...period, category: 'OUTPATIENT', institution: '四川大学华西医院' }),
      ),
      [ids.fromHebei, ids.within].sort(),
    );
    assert.deepEqual(settlementIds(await portal.ok(SETTLEMENTS, { p: '32', ...period, category: 'INPATIENT' })), []);
    assert.deepEqual(settlementIds(await portal.ok(SETTLEMENTS, { p: '32', ...period, institution: '别的医院' })), []);
    assert.deepEqual(settlementIds(await cluster.as({ portal: '51' }).ok(SETTLEMENTS, { p: '51', ...period })), [
      ids.spentIn51,
    ]);
  });

  const POSITION = `query($p: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { clearingPosition(province: $p, from: $from, to: $to) {
    owedToProvince owedByProvince net counterparts { province { code } owedToProvince owedByProvince net operationsToProvince operationsByProvince } } }`;

  test('the clearing position (R22): what each other province owes the province and what it owes each, as clearingReport says', async () => {
    const { clearingPosition: position } = await cluster.as({ portal: '32' }).ok(POSITION, { p: '32', ...period });
    assert.deepEqual(position.counterparts, [
      {
        province: { code: '13' },
        owedToProvince: '180.00',
        owedByProvince: '0.00',
        net: '180.00',
        operationsToProvince: 1,
        operationsByProvince: 0,
      },
      {
        province: { code: '51' },
        owedToProvince: '0.00',
        owedByProvince: '236.00',
        net: '-236.00',
        operationsToProvince: 0,
        operationsByProvince: 1,
      },
    ]);
    assert.deepEqual([position.owedToProvince, position.owedByProvince, position.net], ['180.00', '236.00', '-56.00']);
    const { clearingReport } = await cluster.as('dashboard').ok(
      `query($from: DateTimeISO!, $to: DateTimeISO!) { clearingReport(from: $from, to: $to) {
      lines { debtor { code } creditor { code } amount } } }`,
      period,
    );
    const owed = (debtor: string, creditor: string) =>
      clearingReport.lines.find(
        (l: { debtor: { code: string }; creditor: { code: string } }) =>
          l.debtor.code === debtor && l.creditor.code === creditor,
      )?.amount;
    assert.deepEqual([owed('13', '32'), owed('32', '51')], ['180.00', '236.00']);
    assert.deepEqual((await cluster.as('dashboard').ok(POSITION, { p: '32', ...period })).clearingPosition, position);
  });

  test("another province's staff, members and (for lists) the dashboard are refused; a bad period is INVALID_ARGUMENT; nothing changes", async () => {
    const lists: [string, Record<string, unknown>][] = [
      [RELATIONSHIPS, { p: '32' }],
      [TRANSFERS, { p: '32', ...period }],
      [SETTLEMENTS, { p: '32', ...period }],
    ];
    const others = [{ portal: '51' }, { member: m.son }, 'dashboard'] as const;
    await refusedReads(
      others.flatMap((who) =>
        lists.map(
          ([query, variables]) =>
            () =>
              cluster.as(who).query(query, variables),
        ),
      ),
      'FORBIDDEN',
    );
    const notForPosition = [{ portal: '51' }, { member: m.son }, { operator: 'SZ-0042', province: '32' }] as const;
    await refusedReads(
      notForPosition.map((who) => () => cluster.as(who).query(POSITION, { p: '32', ...period })),
      'FORBIDDEN',
    );
    const portal = cluster.as({ portal: '32' });
    const backwards = { from: period.to, to: period.from };
    const tooLong = { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };
    await refusedReads(
      [
        ...[backwards, tooLong].flatMap((bad) =>
          [TRANSFERS, SETTLEMENTS, POSITION].map((query) => () => portal.query(query, { p: '32', ...bad })),
        ),
        () => portal.query(RELATIONSHIPS, { p: '32', page: { first: 500 } }),
      ],
      'INVALID_ARGUMENT',
    );
  });
});

const HISTORY = `query($id: ID!, $page: PageInput) { member(id: $id) { id history(page: $page) {
  edges { node { at kind reference amount otherMember { id } relationship { id } } } pageInfo { hasNextPage endCursor } } } }`;

test("a member's history, newest first, for the member and their province's staff only", async () => {
  const { member } = await cluster.as({ portal: '32' }).ok(HISTORY, { id: m.son });
  const kinds = member.history.edges.map((e: { node: { kind: string } }) => e.node.kind);
  assert.equal(kinds.at(-1), 'WALLET_ACTIVATED');
  for (const kind of ['RELATIONSHIP_ESTABLISHED', 'RELATIONSHIP_CONFIRMED', 'QUOTA_GIVEN'])
    assert.ok(kinds.includes(kind), kind);
  assert.equal(
    kinds.filter((k: string) => k === 'RELATIONSHIP_ESTABLISHED').length,
    2,
    'with his father, and with 李小雨 (awaiting consent)',
  );
  const times = member.history.edges.map((e: { node: { at: string } }) => e.node.at);
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
  const given = member.history.edges.find((e: { node: { kind: string } }) => e.node.kind === 'QUOTA_GIVEN').node;
  assert.deepEqual([given.amount, given.otherMember.id, given.relationship.id], ['500.00', m.father, rel.across]);
  const own = (await cluster.as({ member: m.son }).ok(HISTORY, { id: m.son, page: { first: 2 } })).member.history;
  assert.deepEqual(
    own.edges.map((e: { node: { kind: string } }) => e.node.kind),
    kinds.slice(0, 2),
  );
  const rest = (
    await cluster.as({ member: m.son }).ok(HISTORY, { id: m.son, page: { first: 100, after: own.pageInfo.endCursor } })
  ).member.history;
  assert.deepEqual(
    rest.edges.map((e: { node: { kind: string } }) => e.node.kind),
    kinds.slice(2),
  );
  const father = (await cluster.as({ portal: '51' }).ok(HISTORY, { id: m.father })).member.history.edges.map(
    (e: { node: { kind: string } }) => e.node.kind,
  );
  for (const kind of ['QUOTA_RECEIVED', 'QUOTA_ACCEPTED', 'SETTLED']) assert.ok(father.includes(kind), kind);
  assert.equal(
    (await cluster.as({ portal: '51' }).query(HISTORY, { id: m.son })).data?.member,
    null,
    "another province's portal learns nothing",
  );
});

test("with a province down, each list keeps the answering provinces' data and marks the missing part at its path", async () => {
  const portal = cluster.as({ portal: '32' });
  await whileDown(cluster, '51', async () => {
    const lists = await portal.query(
      `query($from: DateTimeISO!, $to: DateTimeISO!) {
      relationships(province: "32") { edges { node { id status donor { name } beneficiary { id name } } } }
      members(province: "32", filter: { namePrefix: "伍强", status: INSURED }) { edges { node { name } } }
      clearingPosition(province: "32", from: $from, to: $to) { net }
    }`,
      period,
    );
    assert.ok(lists.data, 'data is not null');
    const edges = lists.data.relationships.edges as {
      node: { id: string; donor: { name: string | null }; beneficiary: { id: string; name: string | null } };
    }[];
    assert.equal(edges.length, 4, 'every relationship is listed');
    const across = edges.findIndex((e) => e.node.id === rel.across);
    assert.deepEqual(edges[across].node.donor, { name: '伍强' });
    assert.deepEqual(
      edges[across].node.beneficiary,
      { id: m.father, name: null },
      "only the down province's own field is missing",
    );
    assert.deepEqual(
      lists.errors?.map((e) => [e.extensions?.code, e.extensions?.province, e.path]),
      [['PROVINCE_UNAVAILABLE', '51', ['relationships', 'edges', across, 'node', 'beneficiary']]],
    );
    assert.deepEqual(
      lists.data.members.edges.map((e: { node: { name: string } }) => e.node.name),
      ['伍强', '伍强华'],
    );
    assert.equal(lists.data.clearingPosition.net, '-56.00');

    const down = await cluster
      .as({ portal: '51' })
      .query(
        `query { members(province: "51") { edges { node { id } } } relationships(province: "51") { edges { node { id } } } }`,
      );
    assert.equal(down.data?.members, null, "the down province's own list is null…");
    assert.deepEqual(idsOf(down.data?.relationships), [rel.across], '…and the rest of the query answers');
    assert.deepEqual(
      down.errors?.map((e) => [e.extensions?.code, e.path]),
      [['PROVINCE_UNAVAILABLE', ['members']]],
    );
  });
});
