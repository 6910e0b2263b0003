import { Refusal, RefusalCode } from '../../domain/errors';
import { provinceOfMemberId } from '../../domain/routing-keys';
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

/** The caller in words, for a refusal that says why. */
function whoYouAre(caller: Caller | undefined): string {
  switch (caller?.role) {
    case Role.MEMBER:
      return `member ${caller.memberId}`;
    case Role.PROVINCIAL_PORTAL:
      return `the portal of province ${caller.province}`;
    case Role.WINDOW_OPERATOR:
      return `a window operator of province ${caller.province}`;
    case Role.NATIONAL_DASHBOARD:
      return 'the national dashboard';
    default:
      return 'not a caller of the graph';
  }
}

/** FORBIDDEN, naming what was asked and the real reason it is not for this caller. */
const refuse = (what: string, why: string) => new Refusal(RefusalCode.FORBIDDEN, `You may not ${what}: ${why}.`);

const provincesInWords = (provinces: readonly (string | undefined)[]) =>
  [...new Set(provinces.filter((p): p is string => !!p))].join(' or ') || 'no known province';

/** Passes when the caller may act for at least one of the members. */
export function requireActingFor(caller: Caller | undefined, memberIds: readonly string[], what: string): void {
  if (memberIds.some((id) => mayActFor(caller, id))) return;
  if (caller?.role === Role.MEMBER) throw refuse(what, "a member acts for themself only, and this is another member's");
  if (caller && STAFF.has(caller.role)) {
    throw refuse(
      what,
      `staff act for the members of their own province only (you are ${whoYouAre(caller)}; ` +
        `this is for a member of province ${provincesInWords(memberIds.map(provinceOfMemberId))})`,
    );
  }
  throw refuse(what, `that is for the member or the staff of their province (you are ${whoYouAre(caller)})`);
}

export function requireStaffOf(caller: Caller | undefined, provinces: readonly string[], what: string): void {
  if (provinces.some((p) => isStaffOf(caller, p))) return;
  if (caller && STAFF.has(caller.role)) {
    throw refuse(
      what,
      `that is for the staff of province ${provincesInWords(provinces)} (you are ${whoYouAre(caller)})`,
    );
  }
  throw refuse(
    what,
    `that is done by the province's staff, its portal or a window operator (you are ${whoYouAre(caller)})`,
  );
}

export function requirePortalOf(caller: Caller | undefined, province: string, what: string): void {
  if (caller?.role === Role.PROVINCIAL_PORTAL && caller.province === province) return;
  if (caller?.role === Role.PROVINCIAL_PORTAL)
    throw refuse(what, `a portal acts for its own province only (you are ${whoYouAre(caller)})`);
  throw refuse(what, `that is for the portal of province ${province} (you are ${whoYouAre(caller)})`);
}

/** The reports a portal reads for its own province only: what each is called, and why in words. */
const REPORTS = {
  reconciliation: ['report', 'a portal reconciles its own province only'],
  statistics: ['aid statistics', "a portal reads its own province's statistics only"],
  clearing: ['clearing position', "a portal reads its own province's clearing position only"],
} as const;

/** Reports: the dashboard, and a portal for its own province (or for every province when none is named). */
export function requireAggregateReader(
  caller: Caller | undefined,
  report: keyof typeof REPORTS,
  province?: string,
): void {
  if (caller?.role === Role.NATIONAL_DASHBOARD) return;
  if (caller?.role === Role.PROVINCIAL_PORTAL && (!province || caller.province === province)) return;
  if (caller?.role === Role.PROVINCIAL_PORTAL) {
    const [name, why] = REPORTS[report];
    throw refuse(
      `read the ${name} of province ${(province ?? '').slice(0, 4)}`,
      `${why} (you are ${whoYouAre(caller)})`,
    );
  }
  throw refuse(
    'read this report',
    `it is for the national dashboard and the provincial portals (you are ${whoYouAre(caller)})`,
  );
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
    throw new Refusal(
      RefusalCode.FORBIDDEN,
      'Only a window operator signed in at the window can act through the agency window.',
    );
  }
  return { channel: request.channel, operatorId: null };
}
