import type { Queryable } from '../../common/platform/data/request-reads';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { type Fen, fenFromDb } from '../../common/domain/money';

/**
 * A member's history as national keeps it, newest first: the wallet, each relationship (registered,
 * confirmed, dissolved), quota given, received, accepted and returned, settlements and refunds, the
 * end or move of the membership. One statement over the member's own rows (each read by an index
 * on the member), cut at the page.
 */
export enum MemberEventKind {
  WALLET_ACTIVATED = 'WALLET_ACTIVATED',
  RELATIONSHIP_ESTABLISHED = 'RELATIONSHIP_ESTABLISHED',
  RELATIONSHIP_CONFIRMED = 'RELATIONSHIP_CONFIRMED',
  RELATIONSHIP_DISSOLVED = 'RELATIONSHIP_DISSOLVED',
  QUOTA_GIVEN = 'QUOTA_GIVEN',
  QUOTA_RETURNED = 'QUOTA_RETURNED',
  QUOTA_RECEIVED = 'QUOTA_RECEIVED',
  QUOTA_ACCEPTED = 'QUOTA_ACCEPTED',
  SETTLED = 'SETTLED',
  REFUNDED = 'REFUNDED',
  INSURANCE_ENDED = 'INSURANCE_ENDED',
  MOVED_OUT = 'MOVED_OUT',
  MOVED_IN = 'MOVED_IN',
}

export interface MemberEventRecord {
  at: Date;
  kind: MemberEventKind;
  /** The row the event is about: a relationship, transfer, settlement or refund id, or the member id. */
  reference: string;
  amount: Fen | null;
  relationshipId: string | null;
  otherMember: string | null;
}

const OTHER = `CASE WHEN r.donor_id = $1 THEN r.beneficiary_id ELSE r.donor_id END`;
const OF_MEMBER = `(r.donor_id = $1 OR r.beneficiary_id = $1)`;

const EVENTS = `
  SELECT activated_at AS at, 'WALLET_ACTIVATED' AS kind, member_id AS reference, NULL::bigint AS amount,
         NULL::text AS relationship_id, NULL::text AS other_member FROM wallet WHERE member_id = $1
  UNION ALL SELECT r.established_at, 'RELATIONSHIP_ESTABLISHED', r.id, NULL, r.id, ${OTHER} FROM relationship r WHERE ${OF_MEMBER}
  UNION ALL SELECT r.consented_at, 'RELATIONSHIP_CONFIRMED', r.id, NULL, r.id, ${OTHER} FROM relationship r
    WHERE ${OF_MEMBER} AND r.consented_at IS NOT NULL
  UNION ALL SELECT r.dissolved_at, 'RELATIONSHIP_DISSOLVED', r.id, NULL, r.id, ${OTHER} FROM relationship r
    WHERE ${OF_MEMBER} AND r.dissolved_at IS NOT NULL
  UNION ALL SELECT t.created_at, 'QUOTA_GIVEN', t.id, t.amount, r.id, r.beneficiary_id FROM transfer t JOIN relationship r ON r.id = t.relationship_id
    WHERE t.donor_id = $1 AND t.state = 'COMMITTED'
  UNION ALL SELECT t.returned_at, 'QUOTA_RETURNED', t.id, t.amount, r.id, r.beneficiary_id FROM transfer t JOIN relationship r ON r.id = t.relationship_id
    WHERE t.donor_id = $1 AND t.returned_at IS NOT NULL
  UNION ALL SELECT t.created_at, 'QUOTA_RECEIVED', t.id, t.amount, r.id, r.donor_id FROM relationship r JOIN transfer t ON t.relationship_id = r.id
    WHERE r.beneficiary_id = $1 AND t.state = 'COMMITTED'
  UNION ALL SELECT t.accepted_at, 'QUOTA_ACCEPTED', t.id, t.amount, r.id, r.donor_id FROM relationship r JOIN transfer t ON t.relationship_id = r.id
    WHERE r.beneficiary_id = $1 AND t.accepted_at IS NOT NULL
  UNION ALL SELECT s.settled_at, 'SETTLED', s.id, s.amount, NULL, NULL FROM settlement s WHERE s.beneficiary_id = $1 AND s.state = 'SETTLED'
  UNION ALL SELECT f.created_at, 'REFUNDED', f.id, f.amount, NULL, NULL FROM refund f JOIN settlement s ON s.id = f.settlement_id
    WHERE s.beneficiary_id = $1
  UNION ALL SELECT e.ended_at, CASE e.reason WHEN 'MOVED' THEN 'MOVED_OUT' ELSE 'INSURANCE_ENDED' END, e.member_id, NULL, NULL,
         (SELECT m.to_member FROM account_move m WHERE m.from_member = $1 LIMIT 1) FROM ended_membership e WHERE e.member_id = $1
  UNION ALL SELECT m.created_at, 'MOVED_IN', m.id, NULL, NULL, m.from_member FROM account_move m WHERE m.to_member = $1`;

export const eventKey = (at: Date, kind: string, reference: string) =>
  JSON.stringify([at.toISOString(), kind, reference]);

function parseEventKey(key: string | undefined): [Date | string, string, string] {
  if (key === undefined) return ['infinity', '', ''];
  try {
    const [at, kind, reference] = JSON.parse(key) as unknown[];
    if (
      typeof at === 'string' &&
      !Number.isNaN(new Date(at).getTime()) &&
      typeof kind === 'string' &&
      typeof reference === 'string'
    ) {
      return [new Date(at), kind, reference];
    }
  } catch {
    // refused below
  }
  throw new Refusal(RefusalCode.INVALID_ARGUMENT, 'The page cursor is not one this list gave out.');
}

export async function historyOf(
  db: Queryable,
  memberId: string,
  limit: number,
  after?: string,
): Promise<MemberEventRecord[]> {
  const rows: {
    at: Date;
    kind: MemberEventKind;
    reference: string;
    amount: string | null;
    relationship_id: string | null;
    other_member: string | null;
  }[] = await db.query(
    `SELECT * FROM (${EVENTS}) events WHERE (at, kind, reference) < ($2, $3, $4) ORDER BY at DESC, kind DESC, reference DESC LIMIT $5`,
    [memberId, ...parseEventKey(after), limit],
  );
  return rows.map((r) => ({
    at: r.at,
    kind: r.kind,
    reference: r.reference,
    amount: r.amount === null ? null : fenFromDb(r.amount),
    relationshipId: r.relationship_id,
    otherMember: r.other_member,
  }));
}
