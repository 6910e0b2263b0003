import type { DataSource } from 'typeorm';
import type { Refusal } from '../../common/domain/errors';
import { recordRefusal } from '../../common/platform/data/idempotency';

/**
 * Who may act on a PENDING transfer or settlement: its request, then the recovery worker once the
 * row is RECOVERY_GRACE_SECONDS old on the platform clock. A request whose first call to a province
 * never left may give its row up (nothing was asked of anyone: a refusal, R30) only while the row is
 * younger than half the grace: recovery cannot have taken it yet, and will not find it afterwards.
 */
let graceSeconds = 5;

export function useRecoveryGrace(seconds: number): void {
  graceSeconds = seconds;
}

/**
 * Refuses the request's own PENDING row, and keeps the refusal under its key (R30), if recovery cannot
 * have taken it; false: it may have, so the operation stays in doubt.
 */
export async function refuseUnsent(
  db: DataSource,
  table: 'transfer' | 'settlement',
  id: string,
  now: Date,
  refusal: Refusal,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [{ n }] = (await tx.query(
      `WITH gone AS (
         DELETE FROM ${table} WHERE id = $1 AND state = 'PENDING'
           AND created_at > $2::timestamptz - make_interval(secs => $3)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [id, now, graceSeconds / 2],
    )) as { n: number }[];
    if (n === 1) await recordRefusal(tx, id, refusal);
    return n === 1;
  });
}
