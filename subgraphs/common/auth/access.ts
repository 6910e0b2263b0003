import { Refusal, RefusalCode } from '../errors';
import { provinceOfMemberId } from '../routing-keys';
import { type Caller, Role } from './caller';

/**
 * Who may see and do what. A member acts on and sees their own data; a provincial portal or a
 * window operator acts on and sees the members of their own province; the national dashboard sees
 * aggregates only; a service credential never reaches the graph. Everything else is refused.
 */
const STAFF: ReadonlySet<Role> = new Set([Role.PROVINCIAL_PORTAL, Role.WINDOW_OPERATOR]);

export function isStaffOf(caller: Caller | undefined, province: string | undefined): boolean {
  return !!caller && !!province && STAFF.has(caller.role) && 'province' in caller && caller.province === province;
}

/** Whether the caller may act on, and see the personal data of, this member. */
export function mayActFor(caller: Caller | undefined, memberId: string): boolean {
  if (caller?.role === Role.MEMBER) return caller.memberId === memberId;
  return isStaffOf(caller, provinceOfMemberId(memberId));
}

const refuse = (what: string) =>
  new Refusal(RefusalCode.FORBIDDEN, `You may not ${what}: it belongs to another member or another province.`);

/** Passes when the caller may act for at least one of the members. */
export function requireActingFor(caller: Caller | undefined, memberIds: readonly string[], what: string): void {
  if (!memberIds.some((id) => mayActFor(caller, id))) throw refuse(what);
}

export function requireStaffOf(caller: Caller | undefined, provinces: readonly string[], what: string): void {
  if (!provinces.some((p) => isStaffOf(caller, p))) throw refuse(what);
}

export function requirePortalOf(caller: Caller | undefined, province: string, what: string): void {
  if (caller?.role !== Role.PROVINCIAL_PORTAL || caller.province !== province) throw refuse(what);
}

export function requireAggregateReader(caller: Caller | undefined, province?: string): void {
  if (caller?.role === Role.NATIONAL_DASHBOARD) return;
  if (caller?.role === Role.PROVINCIAL_PORTAL && (!province || caller.province === province)) return;
  throw new Refusal(RefusalCode.FORBIDDEN, 'This report is for the national dashboard and provincial portals.');
}

/** A name as shown to someone who may not see it: the family name and a star per other character. */
export function maskName(name: string): string {
  const characters = [...name];
  return characters[0] + '*'.repeat(Math.max(1, characters.length - 1));
}

/**
 * R6 with access: at an agency window the operator is the caller, recorded from their token; only
 * a window operator acts at a window, and a window operator acts nowhere else.
 */
export function windowChannel<Channel extends string>(
  caller: Caller | undefined,
  request: { channel: Channel; operatorId?: string | null },
  agencyWindow: Channel,
): { channel: Channel; operatorId: string | null } {
  if (caller?.role === Role.WINDOW_OPERATOR) return { channel: agencyWindow, operatorId: caller.operatorId };
  if (request.channel === agencyWindow) {
    throw new Refusal(RefusalCode.FORBIDDEN, 'Only a window operator signed in at the window can act through the agency window.');
  }
  return { channel: request.channel, operatorId: null };
}
