/**
 * Who is calling. Every request carries a bearer token (a signed JWT) naming one of these roles;
 * the gateway checks it and every subgraph checks it again (see access rules in each subgraph).
 */
export enum Role {
  MEMBER = 'MEMBER', // sees and acts on their own data
  PROVINCIAL_PORTAL = 'PROVINCIAL_PORTAL', // one province's members
  WINDOW_OPERATOR = 'WINDOW_OPERATOR', // acts for members of one province, recorded as the operator
  NATIONAL_DASHBOARD = 'NATIONAL_DASHBOARD', // aggregates only, no personal data
  SERVICE = 'SERVICE', // internal hold operations between services, nothing else
}

export type Caller =
  | { role: Role.MEMBER; subject: string; memberId: string; province: string }
  | { role: Role.PROVINCIAL_PORTAL; subject: string; province: string }
  | { role: Role.WINDOW_OPERATOR; subject: string; operatorId: string; province: string }
  | { role: Role.NATIONAL_DASHBOARD; subject: string }
  | { role: Role.SERVICE; subject: string };

/** The province a caller belongs to, if any. */
export function provinceOf(caller: Caller): string | undefined {
  return 'province' in caller ? caller.province : undefined;
}
