import { platformNow } from '../../common/platform/clock';
import type { DataSource, EntityManager } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { type Fen, fenFromDb } from '../../common/domain/money';

/**
 * R22: quota spent in province B that a donor in province A funded is a debt of A's fund to B.
 * Refunds write the opposite entry, so a period's sum is what is really owed.
 */
export async function recordClearing(
  tx: EntityManager,
  operationId: string,
  debtorProvince: string,
  creditorProvince: string,
  amount: Fen,
): Promise<void> {
  if (debtorProvince === creditorProvince || amount === 0n) return;
  await tx.query(
    `INSERT INTO clearing_entry (operation_id, debtor_province, creditor_province, amount, created_at) VALUES ($1, $2, $3, $4, $5)`,
    [operationId, debtorProvince, creditorProvince, String(amount), platformNow()],
  );
}

export interface ClearingLine {
  debtorProvince: string;
  creditorProvince: string;
  amount: Fen;
  operations: number;
}

/** What each province's fund owes each other province for spending in [from, to). */
export async function clearingReport(db: DataSource, from: Date, to: Date): Promise<ClearingLine[]> {
  const rows: { debtor: string; creditor: string; amount: string; operations: string }[] = await db.query(
    `SELECT debtor_province AS debtor, creditor_province AS creditor, sum(amount)::text AS amount,
            count(DISTINCT operation_id) AS operations
     FROM clearing_entry WHERE created_at >= $1 AND created_at < $2
     GROUP BY debtor_province, creditor_province ORDER BY debtor_province, creditor_province`,
    [from, to],
  );
  return rows.map((r) => ({
    debtorProvince: r.debtor,
    creditorProvince: r.creditor,
    amount: fenFromDb(r.amount),
    operations: Number(r.operations),
  }));
}

/** R22 seen from one province: what each other province owes it, and what it owes each. */
export interface ClearingPositionLine {
  counterpart: string;
  /** Spent in the province from quota of the counterpart's donors: the counterpart's fund owes it. */
  owedToProvince: Fen;
  /** Spent in the counterpart from quota of the province's donors: the province's fund owes it. */
  owedByProvince: Fen;
  operationsToProvince: number;
  operationsByProvince: number;
}

/** A province's clearing position for [from, to), by counterpart, from its entries as creditor and as debtor (each indexed). */
export async function clearingPosition(
  db: Queryable,
  province: string,
  from: Date,
  to: Date,
): Promise<ClearingPositionLine[]> {
  const rows: {
    counterpart: string;
    owed_to: string;
    owed_by: string;
    operations_to: string;
    operations_by: string;
  }[] = await db.query(
    `SELECT counterpart, sum(amount) FILTER (WHERE owed_to)::text AS owed_to, sum(amount) FILTER (WHERE NOT owed_to)::text AS owed_by,
            count(DISTINCT operation_id) FILTER (WHERE owed_to) AS operations_to,
            count(DISTINCT operation_id) FILTER (WHERE NOT owed_to) AS operations_by
     FROM (SELECT debtor_province AS counterpart, true AS owed_to, amount, operation_id FROM clearing_entry
             WHERE creditor_province = $1 AND created_at >= $2 AND created_at < $3
           UNION ALL
           SELECT creditor_province, false, amount, operation_id FROM clearing_entry
             WHERE debtor_province = $1 AND created_at >= $2 AND created_at < $3) entries
     GROUP BY counterpart ORDER BY counterpart`,
    [province, from, to],
  );
  return rows.map((r) => ({
    counterpart: r.counterpart,
    owedToProvince: fenFromDb(r.owed_to ?? '0'),
    owedByProvince: fenFromDb(r.owed_by ?? '0'),
    operationsToProvince: Number(r.operations_to),
    operationsByProvince: Number(r.operations_by),
  }));
}
