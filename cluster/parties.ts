import { Role } from '../subgraphs/common/platform/auth/caller';
import type { TokenRequest } from '../subgraphs/common/platform/auth/tokens';
import { graphql, graphqlOk, type GraphQLResponse } from './graphql-client';
import { subscribeOverSse, type Subscription } from './subscription-client';

/** Who a request is sent as: a member, a province's portal, a window operator, or the national dashboard. */
export type Who = { member: string } | { portal: string } | { operator: string; province: string } | 'dashboard';

export function tokenRequest(who: Who): TokenRequest {
  if (who === 'dashboard') return { role: Role.NATIONAL_DASHBOARD, subject: 'test-dashboard' };
  if ('member' in who) return { role: Role.MEMBER, subject: who.member };
  if ('portal' in who)
    return { role: Role.PROVINCIAL_PORTAL, subject: `test-portal-${who.portal}`, province: who.portal };
  return { role: Role.WINDOW_OPERATOR, subject: who.operator, province: who.province };
}

/** GraphQL sent to one endpoint as one party. */
export interface GraphClient {
  query<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Data>>;
  ok<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<Data>;
  /** A subscription over server-sent events (the gateway's `walletEvents`, at /graphql/stream). */
  subscribe<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<Subscription<Data>>;
}

/** A client that signs every request with `token()` (none: no Authorization header at all). */
export function graphClient(url: string, token?: () => Promise<string>): GraphClient {
  const headers = async (): Promise<Record<string, string>> =>
    token ? { authorization: `Bearer ${await token()}` } : {};
  return {
    query: async (query, variables) => graphql(url, query, variables, await headers()),
    ok: async (query, variables) => graphqlOk(url, query, variables, await headers()),
    subscribe: async (query, variables) => subscribeOverSse(`${url}/stream`, await headers(), query, variables),
  };
}
