import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { graphql } from '../cluster/graphql-client';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { newKeyPair } from '../subgraphs/common/platform/auth/keys';
import { signServiceToken } from '../subgraphs/common/platform/auth/service-credential';
import { issueToken } from '../subgraphs/common/platform/auth/tokens';
import { deploymentKey } from '../cluster/keys';
import {
  codes,
  enrol,
  ESTABLISH,
  letter,
  relate,
  startTestCluster,
  transfer,
  type TestCluster,
} from './support/cluster-fixture';

/** Who may see and do what, at the gateway and at every subgraph called directly. */
let cluster: TestCluster;
const m: Record<string, string> = {};

before(async () => {
  cluster = await startTestCluster(['32', '13', '51']);
  m.son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '500.00' });
  m.father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  m.hebei = await enrol(cluster, { region: '130100', name: '张丽', currentYear: '50.00' });
  m.rel = await relate(cluster, m.son, m.father);
  await transfer(cluster, m.rel, '100.00');
});

after(async () => {
  await cluster?.stop();
});

const ACCOUNT = `query($id: ID!) { member(id: $id) { id name idNumber maskedIdNumber personalAccount { balance } } }`;
const CREDIT = `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('authentication', () => {
  test('no token, a forged token, an expired token: UNAUTHENTICATED, with HTTP 401', async () => {
    const forger = await newKeyPair(cluster.identity.privateJwk.kid as string); // the real kid, another key
    const forged = await issueToken(
      { privateJwk: forger.privateJwk },
      { role: Role.PROVINCIAL_PORTAL, subject: 'x', province: '32' },
    );
    const expired = await issueToken(cluster.identity, {
      role: Role.PROVINCIAL_PORTAL,
      subject: 'x',
      province: '32',
      ttlSeconds: 1,
    });
    await new Promise((r) => setTimeout(r, 2100));
    for (const headers of [
      {},
      bearer(forged),
      bearer(expired),
      bearer('not.a.jwt'),
      { authorization: 'Basic dXNlcjpwYXNz' },
    ]) {
      const response = await fetch(cluster.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ provinces { edges { node { code } } } }' }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      assert.equal(response.status, 401);
      assert.deepEqual(
        body.errors?.map((e) => e.extensions?.code),
        ['UNAUTHENTICATED'],
      );
    }
  });

  test('a service token opens no part of the graph, and the identity provider never names a service', async () => {
    const service = await signServiceToken((await deploymentKey(cluster.keysDir, 'national')).privateJwk);
    const response = await graphql(
      cluster.gatewayUrl,
      '{ provinces { edges { node { code } } } }',
      {},
      bearer(service),
    );
    assert.deepEqual(codes(response), ['UNAUTHENTICATED']);
    const named = await issueToken(cluster.identity, { role: Role.SERVICE, subject: 'national' });
    assert.deepEqual(
      codes(await graphql(cluster.gatewayUrl, '{ provinces { edges { node { code } } } }', {}, bearer(named))),
      ['UNAUTHENTICATED'],
    );
  });
});

describe('members and provinces', () => {
  test("a member sees their own account and whole ID number; no one else's", async () => {
    const own = await cluster.as({ member: m.son }).ok(ACCOUNT, { id: m.son });
    assert.equal(own.member.name, '伍强');
    assert.match(own.member.idNumber, /^\d{17}[\dX]$/);
    assert.equal(own.member.personalAccount.balance, '500.00');
    const other = await cluster.as({ member: m.father }).query(ACCOUNT, { id: m.son });
    assert.equal(other.data?.member, null, "another member's id gives nothing");
  });

  test('a beneficiary sees of the donor only the masked name, the relation and the province', async () => {
    const data = await cluster.as({ member: m.father }).ok(
      `query($id: ID!) { member(id: $id) {
      relationshipsAsBeneficiary { edges { node { relation quota { available } donor { name maskedIdNumber idNumber poolingRegion { province { name } } } } } } } }`,
      { id: m.father },
    );
    const node = data.member.relationshipsAsBeneficiary.edges[0].node;
    assert.deepEqual(
      [
        node.relation,
        node.quota.available,
        node.donor.name,
        node.donor.idNumber,
        node.donor.poolingRegion.province.name,
      ],
      ['PARENT', '100.00', '伍*', null, '江苏省'],
    );
    assert.match(node.donor.maskedIdNumber, /^\d{3}\*+\d{3}[\dX]$/);
    const account = await cluster.as({ member: m.father }).query(
      `query($id: ID!) { member(id: $id) {
      relationshipsAsBeneficiary { edges { node { donor { personalAccount { balance } } } } } } }`,
      { id: m.father },
    );
    assert.deepEqual(codes(account), ['FORBIDDEN']);
  });

  test('a provincial portal sees its own members in full, and the other side of a relationship masked', async () => {
    const portal = cluster.as({ portal: '51' });
    const own = await portal.ok(ACCOUNT, { id: m.father });
    assert.deepEqual(
      [own.member.name, own.member.idNumber],
      ['伍敏', null],
      'the whole ID number is for the member only',
    );
    assert.equal((await portal.query(ACCOUNT, { id: m.son })).data?.member, null);
    const rel = await portal.ok(`query($id: ID!) { relationship(id: $id) { donor { name } beneficiary { name } } }`, {
      id: m.rel,
    });
    assert.deepEqual(rel.relationship, { donor: { name: '伍*' }, beneficiary: { name: '伍敏' } });
  });

  test("another province's portal can neither credit nor enrol there: one code for one cause", async () => {
    const hebei = cluster.as({ portal: '13' });
    assert.deepEqual(
      codes(
        await hebei.query(CREDIT, { input: { memberId: m.son, amount: '1.00', idempotencyKey: 'wrong-province-1' } }),
      ),
      ['FORBIDDEN'],
    );
    const enrolled = await hebei.query(`mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`, {
      input: { idNumber: '11010519491231002X', name: '测试', insuranceType: 'RESIDENT', poolingRegion: '320500' },
    });
    assert.deepEqual(codes(enrolled), ['FORBIDDEN']);
  });

  test('a window operator acts for members of their province and is recorded as the operator', async () => {
    const operator = cluster.as({ operator: 'SZ-0042', province: '32' });
    const made = await operator.ok(ESTABLISH, {
      input: {
        donorId: m.son,
        beneficiaryId: m.hebei,
        relation: 'SIBLING',
        channel: 'NATIONAL_APP',
        operatorId: 'someone-else',
        commitment: letter(),
      },
    });
    const seen = await operator.ok(`query($id: ID!) { relationship(id: $id) { channel operatorId } }`, {
      id: made.establishMutualAid.id,
    });
    assert.deepEqual(seen.relationship, { channel: 'AGENCY_WINDOW', operatorId: 'SZ-0042' });
    const elsewhere = await operator.query(ESTABLISH, {
      input: {
        donorId: m.hebei,
        beneficiaryId: m.son,
        relation: 'SIBLING',
        channel: 'NATIONAL_APP',
        commitment: letter(),
      },
    });
    assert.deepEqual(codes(elsewhere), ['FORBIDDEN']);
    const member = await cluster.as({ member: m.son }).query(ESTABLISH, {
      input: {
        donorId: m.son,
        beneficiaryId: m.father,
        relation: 'PARENT',
        channel: 'AGENCY_WINDOW',
        operatorId: 'fake',
        commitment: letter(),
      },
    });
    assert.deepEqual(codes(member), ['FORBIDDEN'], 'only an operator acts at a window');
  });

  test('the national dashboard sees aggregates and no personal data at all', async () => {
    const dashboard = cluster.as('dashboard');
    const figures = await dashboard.ok(
      `{ provinces(connectedOnly: true) { edges { node { code memberCount heldForQuotas } } } }`,
    );
    assert.equal(figures.provinces.edges.length, 3);
    assert.equal((await dashboard.query(ACCOUNT, { id: m.son })).data?.member, null);
    const r20 = await dashboard.ok(`{ reconciliation(province: "32") { balanced differenceCount differences } }`);
    assert.deepEqual(r20.reconciliation, { balanced: true, differenceCount: 0, differences: [] });
    assert.deepEqual(
      codes(
        await dashboard.query(CREDIT, { input: { memberId: m.son, amount: '1.00', idempotencyKey: 'dashboard-1' } }),
      ),
      ['FORBIDDEN'],
    );
  });
});

describe('lists', () => {
  test('come in time order, page by page', async () => {
    const page = (after?: string) =>
      cluster.as({ member: m.son }).ok(
        `query($id: ID!, $after: String) { member(id: $id) {
      relationshipsAsDonor(page: { first: 1, after: $after }) { edges { node { establishedAt } cursor } pageInfo { hasNextPage endCursor } } } }`,
        { id: m.son, after },
      );
    const first = (await page()).member.relationshipsAsDonor;
    assert.equal(first.pageInfo.hasNextPage, true);
    const second = (await page(first.pageInfo.endCursor)).member.relationshipsAsDonor;
    assert.ok(first.edges[0].node.establishedAt <= second.edges[0].node.establishedAt);
    assert.equal(second.pageInfo.hasNextPage, false);
  });
});

describe('every subgraph enforces it too', () => {
  const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Member { name personalAccount { balance } } } }`;

  test("a provincial deployment called directly refuses no token and another province's token", async () => {
    const province32 = `${cluster.provinces.get('32')?.baseUrl}/graphql`;
    const r = [{ __typename: 'Member', id: m.son }];
    assert.deepEqual(codes(await graphql(province32, entities, { r })), ['UNAUTHENTICATED']);
    const hebei = await cluster.token({ portal: '13' });
    const read = await graphql(province32, entities, { r }, bearer(hebei));
    assert.deepEqual(codes(read), ['FORBIDDEN']);
    assert.equal(read.data?._entities?.[0]?.name, '伍*');
    const credit = await graphql(
      province32,
      CREDIT,
      { input: { memberId: m.son, amount: '1.00', idempotencyKey: 'direct-13' } },
      bearer(hebei),
    );
    assert.deepEqual(codes(credit), ['FORBIDDEN']);
    assert.deepEqual(
      codes(await graphql(province32, '{ _service { sdl } }')),
      ['UNAUTHENTICATED'],
      'no SDL without a token',
    );
    assert.deepEqual(
      codes(await graphql(province32, '{ _service { sdl } }', {}, bearer(hebei))),
      ['FORBIDDEN'],
      'nor to a caller',
    );
    const gateway = await signServiceToken((await deploymentKey(cluster.keysDir, 'gateway')).privateJwk);
    const sdl = await graphql(province32, '{ _service { sdl } }', {}, bearer(gateway));
    assert.equal(typeof sdl.data?._service?.sdl, 'string', "the SDL is for the gateway's drift check");
  });

  test('the national subgraph called directly refuses no token', async () => {
    const response = await graphql(`${cluster.national.baseUrl}/graphql`, '{ provinces { edges { node { code } } } }');
    assert.deepEqual(codes(response), ['UNAUTHENTICATED']);
  });

  test("no personal data in the services' logs", () => {
    const logs = [cluster.gateway, cluster.national, ...cluster.provinces.values()]
      .map((s) => s.recentOutput())
      .join('\n');
    for (const secret of ['伍强', '伍敏', '张丽', '510105']) assert.ok(!logs.includes(secret), secret);
  });
});
