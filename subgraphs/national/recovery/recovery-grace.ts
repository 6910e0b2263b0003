import type { EntityManager } from 'typeorm';

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

export function recoveryGraceSeconds(): number {
  return graceSeconds;
}

/** Deletes the request's own PENDING row if recovery cannot have taken it; false: it may have, so it stays in doubt. */
export async function giveUpUnsentRow(
  tx: Pick<EntityManager, 'query'>,
  table: 'transfer' | 'settlement',
  id: string,
  now: Date,
): Promise<boolean> {
  const [{ n }] = (await tx.query(
    `WITH gone AS (
       DELETE FROM ${table} WHERE id = $1 AND state = 'PENDING'
         AND created_at > $2::timestamptz - make_interval(secs => $3)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [id, now, graceSeconds / 2],
  )) as { n: number }[];
  return n === 1;
}
