import type { DataSource } from 'typeorm';
import { countedProvinceFigures, provinceFigures } from '../statistics/province-figures';

/**
 * R20 from inside one province: every account row equals the sum of its ledger entries, and every
 * member's held money equals what their holds still hold. Holds are listed for the national side
 * to compare with the unspent quota that draws on them. The province's kept figures equal the
 * figures counted from its tables. What moved accounts booked out and in is listed for national to
 * compare with the moves it recorded (R31).
 */
export interface LedgerAudit {
  accountRowsNotMatchingLedger: {
    memberId: string;
    fundSource: string;
    balance: string;
    ledgerBalance: string;
    held: string;
    ledgerHeld: string;
  }[];
  heldNotMatchingHolds: { memberId: string; fundSource: string; held: string; holdsOutstanding: string }[];
  figuresNotMatchingTables: { figure: string; kept: string; counted: string }[];
  holds: { id: string; outstanding: string }[];
  totalHeld: string;
  /** R31: what each move booked here, out or in (fen, positive). */
  moves: { operationId: string; kind: 'TRANSFER_OUT' | 'TRANSFER_IN'; amount: string }[];
  /** Ended memberships that still hold money (those whose account moved must hold none). */
  endedWithBalance: { memberId: string; balance: string }[];
}

export async function auditLedger(db: DataSource): Promise<LedgerAudit> {
  const accountRowsNotMatchingLedger = await db.query(`
    SELECT a.member_id AS "memberId", a.fund_source AS "fundSource", a.balance::text AS balance,
           coalesce(e.b, 0)::text AS "ledgerBalance", a.held::text AS held, coalesce(e.h, 0)::text AS "ledgerHeld"
    FROM account a
    LEFT JOIN (SELECT member_id, fund_source, sum(balance_delta) AS b, sum(held_delta) AS h
               FROM account_entry GROUP BY member_id, fund_source) e USING (member_id, fund_source)
    WHERE a.balance <> coalesce(e.b, 0) OR a.held <> coalesce(e.h, 0)`);
  const heldNotMatchingHolds = await db.query(`
    SELECT a.member_id AS "memberId", a.fund_source AS "fundSource", a.held::text AS held,
           coalesce(h.outstanding, 0)::text AS "holdsOutstanding"
    FROM account a
    LEFT JOIN (SELECT member_id, fund_source, sum(amount - captured + restored - released) AS outstanding
               FROM hold GROUP BY member_id, fund_source) h USING (member_id, fund_source)
    WHERE a.held <> coalesce(h.outstanding, 0)`);
  const holds = await db.query(
    `SELECT id, (amount - captured + restored - released)::text AS outstanding FROM hold ORDER BY id`,
  );
  const [{ total }] = (await db.query(`SELECT coalesce(sum(held), 0)::text AS total FROM account`)) as {
    total: string;
  }[];
  const moves = await db.query(`
    SELECT operation_id AS "operationId", kind, abs(sum(balance_delta))::text AS amount FROM account_entry
    WHERE kind IN ('TRANSFER_OUT', 'TRANSFER_IN') GROUP BY operation_id, kind`);
  const endedWithBalance = await db.query(`
    SELECT a.member_id AS "memberId", sum(a.balance)::text AS balance FROM account a JOIN member m ON m.id = a.member_id
    WHERE m.status = 'ENDED' GROUP BY a.member_id HAVING sum(a.balance) <> 0`);
  const [kept, counted] = await Promise.all([provinceFigures(db), countedProvinceFigures(db)]);
  const figuresNotMatchingTables = (Object.keys(kept) as (keyof typeof kept)[])
    .filter((figure) => kept[figure] !== counted[figure])
    .map((figure) => ({ figure, kept: String(kept[figure]), counted: String(counted[figure]) }));
  return {
    accountRowsNotMatchingLedger,
    heldNotMatchingHolds,
    figuresNotMatchingTables,
    holds,
    totalHeld: total,
    moves,
    endedWithBalance,
  };
}
