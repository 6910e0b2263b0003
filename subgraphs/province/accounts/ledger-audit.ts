import type { DataSource } from 'typeorm';
import { countedProvinceFigures, provinceFigures } from '../statistics/province-figures';

/**
 * R20 from inside one province: every account row equals the sum of its ledger entries, and every
 * member's held money equals what their holds still hold. Holds are listed for the national side
 * to compare with the unspent quota that draws on them. The province's kept figures equal the
 * figures counted from its tables.
 */
export interface LedgerAudit {
  accountRowsNotMatchingLedger: { memberId: string; fundSource: string; balance: string; ledgerBalance: string; held: string; ledgerHeld: string }[];
  heldNotMatchingHolds: { memberId: string; fundSource: string; held: string; holdsOutstanding: string }[];
  figuresNotMatchingTables: { figure: string; kept: string; counted: string }[];
  holds: { id: string; outstanding: string }[];
  totalHeld: string;
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
  const holds = await db.query(`SELECT id, (amount - captured + restored - released)::text AS outstanding FROM hold ORDER BY id`);
  const [{ total }] = (await db.query(`SELECT coalesce(sum(held), 0)::text AS total FROM account`)) as { total: string }[];
  const [kept, counted] = await Promise.all([provinceFigures(db), countedProvinceFigures(db)]);
  const figuresNotMatchingTables = (Object.keys(kept) as (keyof typeof kept)[])
    .filter((figure) => kept[figure] !== counted[figure])
    .map((figure) => ({ figure, kept: String(kept[figure]), counted: String(counted[figure]) }));
  return { accountRowsNotMatchingLedger, heldNotMatchingHolds, figuresNotMatchingTables, holds, totalHeld: total };
}
