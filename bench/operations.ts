import { randomUUID } from 'node:crypto';
import {
  beijingMonth,
  DASHBOARD_QUERY,
  type DashboardStatistics,
} from '../subgraphs/national/statistics/dashboard-query';
import type { AidPair } from './bench-data';
import type { Callers } from './callers';
import type { GraphQLEndpoint, Operation } from './load';
import { seededNamePrefixes } from './seed-people';

/**
 * What each scenario's callers do, as GraphQL over HTTP. The queries are the ones a member's app
 * or the national dashboard sends; mutations carry a fresh idempotency key every time. Pairs are
 * taken in turn, so consecutive operations touch different members, rows and provinces.
 */
export function roundRobin<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('nothing to cycle through');
  let next = 0;
  return () => items[next++ % items.length];
}

const ACCOUNT_FIELDS = `balance held available currentYear { balance held available } accumulated { balance held available }`;
const NATIONAL_MEMBER_FIELDS = `id wallet { activatedAt placeOfUse { code } }
  relationshipsAsDonor { edges { node { id relation status quota { granted spent available } } } }`;

/** A donor's page: personal account (province) with wallet and relationships with quota (national). */
export const MEMBER_PAGE = `query MemberPage($id: ID!) { member(id: $id) { ${NATIONAL_MEMBER_FIELDS}
  name personalAccount { ${ACCOUNT_FIELDS} } } }`;

/** The same data as a client without the gateway reads it: the national subgraph, then the member's province. */
const NATIONAL_PART = `query MemberPage($id: ID!) { member(id: $id) { ${NATIONAL_MEMBER_FIELDS} } }`;
const PROVINCE_PART = `query MemberAccount($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Member { id name personalAccount { ${ACCOUNT_FIELDS} } } } }`;

const FIGURES = `code name memberCount personalAccountBalance heldForQuotas`;
export const ALL_PROVINCES = `query Figures { provinces(connectedOnly: true, page: { first: 31 }) { edges { node { ${FIGURES} } } } }`;
export const ONE_PROVINCE = `query Figures { province(code: "32") { ${FIGURES} } }`;

/** National fields only: no gateway needs to route this one. */
export const UNROUTED = `query Unrouted($id: ID!) { provinces(connectedOnly: true) { edges { node { code name } } }
  member(id: $id) { id wallet { activatedAt } } }`;

export const TRANSFER = `mutation Transfer($input: TransferQuotaInput!) { transferQuota(input: $input) { id state amount } }`;
const SETTLE = `mutation Settle($input: SettleExpenseInput!) { settleExpense(input: $input) {
  id state amount ownAccountPaid quotaPaid cashPaid } }`;

interface MemberPage {
  member: { id: string; personalAccount?: unknown; relationshipsAsDonor: { edges: unknown[] } } | null;
}

function expectMember(page: MemberPage, id: string, withAccount: boolean): void {
  if (page.member?.id !== id || page.member.relationshipsAsDonor.edges.length === 0)
    throw new Error(`no page for ${id}`);
  if (withAccount && !page.member.personalAccount) throw new Error(`no personal account for ${id}`);
}

export function federatedRead(gateway: GraphQLEndpoint, pairs: readonly AidPair[], callers: Callers): Operation {
  const next = roundRobin(pairs);
  return async () => {
    const id = next().donorId;
    expectMember(await gateway.request<MemberPage>(MEMBER_PAGE, { id }, callers.member(id)), id, true);
  };
}

export function directRead(
  national: GraphQLEndpoint,
  provinces: ReadonlyMap<string, GraphQLEndpoint>,
  provinceOf: (memberId: string) => string,
  pairs: readonly AidPair[],
  callers: Callers,
): Operation {
  const next = roundRobin(pairs);
  return async () => {
    const id = next().donorId;
    const headers = callers.member(id);
    expectMember(await national.request<MemberPage>(NATIONAL_PART, { id }, headers), id, false);
    const province = provinces.get(provinceOf(id));
    if (!province) throw new Error(`no deployment for ${id}`);
    const representations = [{ __typename: 'Member', id }];
    const data = await province.request<{ _entities: ({ personalAccount: unknown } | null)[] }>(
      PROVINCE_PART,
      { representations },
      headers,
    );
    if (!data._entities[0]?.personalAccount) throw new Error(`no personal account for ${id}`);
  };
}

export function figuresOfAll(gateway: GraphQLEndpoint, expected: number, callers: Callers): Operation {
  return async () => {
    const data = await gateway.request<{ provinces: { edges: unknown[] } }>(
      ALL_PROVINCES,
      undefined,
      callers.dashboard,
    );
    if (data.provinces.edges.length !== expected)
      throw new Error(`${data.provinces.edges.length} provinces, expected ${expected}`);
  };
}

export function figuresOfOne(gateway: GraphQLEndpoint, callers: Callers): Operation {
  return async () => {
    const data = await gateway.request<{ province: unknown }>(ONE_PROVINCE, undefined, callers.dashboard);
    if (!data.province) throw new Error('no province 32');
  };
}

/** R23: the national dashboard page's query, over the last twelve months. */
export function aidStatistics(gateway: GraphQLEndpoint, callers: Callers): Operation {
  const variables = { from: beijingMonth(-11), to: beijingMonth(0) };
  return async () => {
    const data = await gateway.request<{ aidStatistics: DashboardStatistics }>(
      DASHBOARD_QUERY,
      variables,
      callers.dashboard,
    );
    if (data.aidStatistics.total.aidCount === 0) throw new Error('no aid in the statistics');
  };
}

export function unrouted(endpoint: GraphQLEndpoint, pairs: readonly AidPair[], callers: Callers): Operation {
  const next = roundRobin(pairs);
  return async () => {
    const id = next().donorId;
    const data = await endpoint.request<{ member: { id: string; wallet: unknown } | null }>(
      UNROUTED,
      { id },
      callers.member(id),
    );
    if (data.member?.id !== id || !data.member.wallet) throw new Error(`no wallet for ${id}`);
  };
}

export function transfers(gateway: GraphQLEndpoint, pairs: readonly AidPair[], callers: Callers): Operation {
  const next = roundRobin(pairs);
  return async () => {
    const pair = next();
    const input = {
      relationshipId: pair.relationshipId,
      amount: '1.00',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: `bench-${randomUUID()}`,
    };
    const data = await gateway.request<{ transferQuota: { state: string } }>(
      TRANSFER,
      { input },
      callers.member(pair.donorId),
    );
    if (data.transferQuota.state !== 'COMMITTED') throw new Error(`transfer ${data.transferQuota.state}`);
  };
}

export function settlements(gateway: GraphQLEndpoint, pairs: readonly AidPair[], callers: Callers): Operation {
  const next = roundRobin(pairs);
  return async () => {
    const { beneficiaryId: id, beneficiaryRegion } = next();
    const input = {
      beneficiaryId: id,
      institution: { kind: 'DESIGNATED_HOSPITAL', name: '定点医院', poolingRegion: beneficiaryRegion },
      category: 'OUTPATIENT',
      amount: '1.00',
      credential: { method: 'E_CODE', holderId: id },
      idempotencyKey: `bench-${randomUUID()}`,
    };
    const data = await gateway.request<{ settleExpense: { state: string; quotaPaid: string } }>(
      SETTLE,
      { input },
      callers.member(id),
    );
    if (data.settleExpense.state !== 'SETTLED' || data.settleExpense.quotaPaid !== '1.00') {
      throw new Error(`settlement ${data.settleExpense.state}, quota paid ${data.settleExpense.quotaPaid}`);
    }
  };
}

/** R32: the member page read by the portal of the member's province: the same page, with its reads recorded. */
export function staffRead(
  gateway: GraphQLEndpoint,
  pairs: readonly AidPair[],
  callers: Callers,
  provinceOf: (id: string) => string,
): Operation {
  const next = roundRobin(pairs);
  return async () => {
    const id = next().donorId;
    expectMember(await gateway.request<MemberPage>(MEMBER_PAGE, { id }, callers.portal(provinceOf(id))), id, true);
  };
}

/**
 * The most expensive requests that pass the gateway's limits: as many aliases of a request as are
 * answered (found by asking the gateway, so the figure follows its limits): the fan-out of the
 * figures of every province, or whole member pages read by a portal.
 */
const FANNED = (i: number) =>
  `a${i}: provinces(connectedOnly: true, page: { first: 3 }) { edges { node { ${FIGURES} employeeCount residentCount } } }`;
const PAGES = (i: number) =>
  `m${i}: member(id: $id) { ${NATIONAL_MEMBER_FIELDS} name personalAccount { ${ACCOUNT_FIELDS} entries(page: { first: 10 }) { edges { node { kind balanceChange } } } } }`;

async function largestAnswered(
  gateway: GraphQLEndpoint,
  build: (n: number) => string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<string> {
  let [low, high] = [1, 200]; // low is answered, high is refused
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const answered = await gateway.request(build(middle), variables, headers).then(
      () => true,
      (error: Error) => {
        if (/QUERY_TOO_COSTLY|QUERY_TOO_MANY_ALIASES|QUERY_TOO_DEEP|GRAPHQL_PARSE_FAILED/.test(error.message))
          return false;
        throw error;
      },
    );
    [low, high] = answered ? [middle, high] : [low, middle];
  }
  return build(low);
}

export function costliestFanOut(gateway: GraphQLEndpoint, callers: Callers): Operation {
  let query: Promise<string> | undefined;
  const build = (n: number) => `query Costliest { ${Array.from({ length: n }, (_, i) => FANNED(i)).join(' ')} }`;
  return async () => {
    query ??= largestAnswered(gateway, build, {}, callers.dashboard);
    await gateway.request(await query, undefined, callers.dashboard);
  };
}

export function costliestPages(
  gateway: GraphQLEndpoint,
  pairs: readonly AidPair[],
  callers: Callers,
  provinceOf: (id: string) => string,
): Operation {
  const next = roundRobin(pairs);
  let query: Promise<string> | undefined;
  const build = (n: number) =>
    `query Costliest($id: ID!) { ${Array.from({ length: n }, (_, i) => PAGES(i)).join(' ')} }`;
  return async () => {
    const id = next().donorId;
    const headers = callers.portal(provinceOf(id));
    query ??= largestAnswered(gateway, build, { id }, headers);
    await gateway.request(await query, { id }, headers);
  };
}

/** A portal's one-member read: a member of its province by id, the fields of a list row. */
const PORTAL_MEMBER = `query PortalMember($id: ID!) { member(id: $id) { id name maskedIdNumber status poolingRegion { code } } }`;
/** A portal's name search: a page of 20 members whose name begins with two characters, the same fields. */
export const MEMBER_SEARCH = `query MemberSearch($province: ID!, $prefix: String!) {
  members(province: $province, filter: { namePrefix: $prefix }, page: { first: 20 }) {
    edges { node { id name maskedIdNumber status poolingRegion { code } } } pageInfo { hasNextPage endCursor } } }`;
/** A portal's settlement report: a page of 20 settlements spent in its province in a 30-day period, with the beneficiary's name. */
export const SETTLEMENT_PAGE = `query SettlementPage($province: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  settlements(province: $province, from: $from, to: $to, page: { first: 20 }) {
    edges { node { id kind amount quotaPaid settledAt institution { name } beneficiary { id name } } } pageInfo { hasNextPage endCursor } } }`;

export function portalMember(
  gateway: GraphQLEndpoint,
  pairs: readonly AidPair[],
  callers: Callers,
  provinceOf: (id: string) => string,
): Operation {
  const next = roundRobin(pairs);
  return async () => {
    const id = next().donorId;
    const data = await gateway.request<{ member: { id: string; name: string } | null }>(
      PORTAL_MEMBER,
      { id },
      callers.portal(provinceOf(id)),
    );
    if (data.member?.id !== id || !data.member.name) throw new Error(`no member ${id}`);
  };
}

export function memberSearch(gateway: GraphQLEndpoint, provinces: readonly string[], callers: Callers): Operation {
  const next = roundRobin(
    provinces.flatMap((province) => seededNamePrefixes().map((prefix) => ({ province, prefix }))),
  );
  return async () => {
    const { province, prefix } = next();
    const data = await gateway.request<{ members: { edges: { node: { name: string } }[] } }>(
      MEMBER_SEARCH,
      { province, prefix },
      callers.portal(province),
    );
    if (data.members.edges.length === 0 || !data.members.edges.every((e) => e.node.name.startsWith(prefix)))
      throw new Error(`no members named ${prefix}…`);
  };
}

/** 30-day periods over the seeded year of past aid, one after another. */
export function settlementPage(gateway: GraphQLEndpoint, provinces: readonly string[], callers: Callers): Operation {
  const day = 86_400_000;
  const starts = Array.from({ length: 33 }, (_, i) => Date.now() - ((i + 31) * 10 * day) / 3);
  const next = roundRobin(provinces.flatMap((province) => starts.map((start) => ({ province, start }))));
  return async () => {
    const { province, start } = next();
    const variables = { province, from: new Date(start).toISOString(), to: new Date(start + 30 * day).toISOString() };
    const data = await gateway.request<{ settlements: { edges: { node: { beneficiary: { name: string } } }[] } }>(
      SETTLEMENT_PAGE,
      variables,
      callers.portal(province),
    );
    if (data.settlements.edges.length !== 20)
      throw new Error(`${data.settlements.edges.length} settlements in ${province}, expected a whole page`);
  };
}
