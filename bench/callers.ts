import type { Cluster } from '../testing';

/**
 * Who calls in each scenario, as the Authorization header they send: a member for their own page
 * and their own transfers, the national dashboard for national figures and reconciliation.
 * Tokens are signed once, before any load, with the cluster's identity-provider key.
 */
export type Headers = Record<string, string>;

export interface Callers {
  member(memberId: string): Headers;
  dashboard: Headers;
  portal(province: string): Headers;
}

const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });

export async function signCallers(
  cluster: Pick<Cluster, 'token'>,
  memberIds: readonly string[],
  provinces: readonly string[],
): Promise<Callers> {
  const ttlSeconds = 4 * 3600;
  const members = new Map<string, Headers>();
  for (const memberId of memberIds) {
    if (!members.has(memberId)) members.set(memberId, bearer(await cluster.token({ member: memberId }, ttlSeconds)));
  }
  const portals = new Map<string, Headers>();
  for (const province of provinces)
    portals.set(province, bearer(await cluster.token({ portal: province }, ttlSeconds)));
  const dashboard = bearer(await cluster.token('dashboard', ttlSeconds));
  const known = <T>(map: Map<string, T>, key: string): T => {
    const value = map.get(key);
    if (!value) throw new Error(`no token signed for ${key}`);
    return value;
  };
  return { member: (id) => known(members, id), portal: (p) => known(portals, p), dashboard };
}
