import type { DataSource } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import type { EventPosition } from '../../common/domain/wallet-event-id';
import { platformNow } from '../../common/platform/clock';

/**
 * Wallet events: what a member is told as it happens (the gateway's `walletEvents` subscription).
 * A change writes its events in the statement that makes it (a CTE of that statement: no extra
 * round trip, and no extra statement on the money paths), so an event exists exactly when its
 * change committed. One row per member told, in `wallet_event`; rows are kept 24 hours.
 *
 * Protocol for readers (every gateway follows the table; see gateway/wallet-events/event-feed.ts):
 * rows are read in (tx, id) order, and only rows whose transaction is older than every transaction
 * still running (`tx < pg_snapshot_xmin(pg_current_snapshot())`), so a row can never appear behind
 * a position a reader has passed, and a client resuming after its last event id misses nothing.
 * Writers do not NOTIFY: a NOTIFY makes every notifying commit wait for the one before it (on this
 * machine, 32 writers went from 2,400–4,400 commits a second to 310–345), and the money paths
 * would pay for it. Readers poll instead.
 */
export enum WalletEventKind {
  TRANSFER_RECEIVED = 'TRANSFER_RECEIVED', // R9, R25: a receipt to accept (the beneficiary)
  TRANSFER_RETURNED = 'TRANSFER_RETURNED', // R25: not accepted by 06:00, back to the donor (both)
  RELATIONSHIP_AWAITING_CONSENT = 'RELATIONSHIP_AWAITING_CONSENT', // R27: the beneficiary's consent
  RELATIONSHIP_ENDED = 'RELATIONSHIP_ENDED', // R18, R26: dissolved, or ended with an insurance (both)
  QUOTA_SPENT = 'QUOTA_SPENT', // R14–R17: a settlement or premium drew on quota (the beneficiary, each donor drawn on)
  QUOTA_REFUNDED = 'QUOTA_REFUNDED', // R19: a refund gave quota back (the beneficiary, each donor refunded)
}

export const EVENT_RETENTION_HOURS = 24;

// Every `source` CTE carries `at`: the platform time of its change, which its events are stamped with.
const INSERT =
  'INSERT INTO wallet_event (member_id, kind, relationship_id, transfer_id, settlement_id, refund_id, created_at)';

/** For each transfer of the CTE `source` (id, relationship_id, at): the beneficiary's receipt, or its return to both parties. */
export function transferEvents(
  kind: WalletEventKind.TRANSFER_RECEIVED | WalletEventKind.TRANSFER_RETURNED,
  source: string,
): string {
  const told = kind === WalletEventKind.TRANSFER_RECEIVED ? '(r.beneficiary_id)' : '(r.beneficiary_id), (r.donor_id)';
  return `${INSERT} SELECT told.member_id, '${kind}', s.relationship_id, s.id, NULL, NULL, s.at
    FROM ${source} s JOIN relationship r ON r.id = s.relationship_id CROSS JOIN LATERAL (VALUES ${told}) told(member_id)`;
}

/** For each relationship of the CTE `source` (id, donor_id, beneficiary_id, at): the beneficiary's consent asked, or its end to both. */
export function relationshipEvents(
  kind: WalletEventKind.RELATIONSHIP_AWAITING_CONSENT | WalletEventKind.RELATIONSHIP_ENDED,
  source: string,
): string {
  const told =
    kind === WalletEventKind.RELATIONSHIP_AWAITING_CONSENT ? '(s.beneficiary_id)' : '(s.beneficiary_id), (s.donor_id)';
  return `${INSERT} SELECT told.member_id, '${kind}', s.id, NULL, NULL, NULL, s.at FROM ${source} s CROSS JOIN LATERAL (VALUES ${told}) told(member_id)`;
}

/** For each settlement of the CTE `source` (id, beneficiary_id, quota_paid, at) paid partly from quota: the beneficiary and each donor drawn on. */
export function quotaSpentEvents(source: string): string {
  return `${INSERT} SELECT told.member_id, '${WalletEventKind.QUOTA_SPENT}', told.relationship_id, NULL, s.id, NULL, s.at
    FROM ${source} s CROSS JOIN LATERAL (
      SELECT s.beneficiary_id, NULL::text
      UNION SELECT t.donor_id, t.relationship_id FROM quota_use u JOIN transfer t ON t.id = u.transfer_id WHERE u.settlement_id = s.id
    ) told(member_id, relationship_id)
    WHERE s.quota_paid > 0`;
}

/**
 * For each refund of the CTE `source` (id, settlement_id, quota_part, at) that gave quota back: the
 * beneficiary, and each donor whose lot it restored or whose account it paid (its province steps name the lot).
 */
export function quotaRefundedEvents(source: string): string {
  return `${INSERT} SELECT told.member_id, '${WalletEventKind.QUOTA_REFUNDED}', told.relationship_id, NULL, s.settlement_id, s.id, s.at
    FROM ${source} s JOIN settlement st ON st.id = s.settlement_id CROSS JOIN LATERAL (
      SELECT st.beneficiary_id, NULL::text
      UNION SELECT t.donor_id, t.relationship_id FROM province_step ps JOIN transfer t ON t.id = ps.payload->>'holdId' WHERE ps.operation_id = s.id
    ) told(member_id, relationship_id)
    WHERE s.quota_part > 0`;
}

export interface WalletEventRecord {
  position: EventPosition;
  memberId: string;
  kind: WalletEventKind;
  relationshipId: string | null;
  transferId: string | null;
  settlementId: string | null;
  refundId: string | null;
  occurredAt: Date;
}

interface EventRow {
  tx: string;
  id: string;
  member_id: string;
  kind: WalletEventKind;
  relationship_id: string | null;
  transfer_id: string | null;
  settlement_id: string | null;
  refund_id: string | null;
  created_at: Date;
}

export async function findWalletEvent(db: Queryable, position: EventPosition): Promise<WalletEventRecord | undefined> {
  const rows: EventRow[] = await db.query(
    `SELECT tx::text AS tx, id, member_id, kind, relationship_id, transfer_id, settlement_id, refund_id, created_at
     FROM wallet_event WHERE tx = $1::xid8 AND id = $2`,
    [String(position.tx), String(position.seq)],
  );
  return rows.map((r) => ({
    position: { tx: BigInt(r.tx), seq: BigInt(r.id) },
    memberId: r.member_id,
    kind: r.kind,
    relationshipId: r.relationship_id,
    transferId: r.transfer_id,
    settlementId: r.settlement_id,
    refundId: r.refund_id,
    occurredAt: r.created_at,
  }))[0];
}

/** Forgets events older than the retention; a client that was away longer resumes from the oldest kept. */
export async function pruneWalletEvents(db: Pick<DataSource, 'query'>): Promise<void> {
  await db.query(`DELETE FROM wallet_event WHERE created_at < $1::timestamptz - make_interval(hours => $2)`, [
    platformNow(),
    EVENT_RETENTION_HOURS,
  ]);
}
