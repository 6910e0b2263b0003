import type { DataSource, EntityManager } from 'typeorm';
import { type Fen, fenFromDb } from '../../common/money';

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
    `INSERT INTO clearing_entry (operation_id, debtor_province, creditor_province, amount) VALUES ($1, $2, $3, $4)`,
    [operationId, debtorProvince, creditorProvince, String(amount)],
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
