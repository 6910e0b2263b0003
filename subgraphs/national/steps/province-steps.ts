import type { DataSource, EntityManager } from 'typeorm';
import { Refusal, RefusalCode } from '../../common/errors';
import type { ProvinceDirectory } from '../provinces/province-directory';

/**
 * The outbox of province steps. A national operation writes its own rows and the steps the
 * provinces must take (capture, release, restore, refund) in ONE national transaction; the steps
 * are then applied, each idempotent on the province side by its operation id. Whatever crashes,
 * an unapplied step stays here until the recovery worker applies it, in order, per province.
 */
export type StepAction = 'captureHold' | 'releaseHold' | 'restoreHold' | 'refundToAccount' | 'endMembership';

export async function enqueueStep(
  tx: EntityManager,
  operationId: string,
  province: string,
  action: StepAction,
  payload: Record<string, unknown>,
): Promise<void> {
  await tx.query(`INSERT INTO province_step (operation_id, province, action, payload) VALUES ($1, $2, $3, $4)`, [
    operationId,
    province,
    action,
    JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ]);
}

interface StepRow {
  id: string;
  province: string;
  action: StepAction;
  payload: Record<string, unknown>;
}

/**
 * Applies unapplied steps in id order, one province after another, stopping at the first step a
 * province cannot take now (later steps of that province wait, so a restore never runs before
 * the capture it restores). Returns true when every selected step is applied.
 */
async function applyRows(db: DataSource, provinces: ProvinceDirectory, rows: StepRow[]): Promise<boolean> {
  const blocked = new Set<string>();
  for (const step of rows) {
    if (blocked.has(step.province)) continue;
    try {
      await provinces.call(step.province, step.action, step.payload);
      await db.query(`UPDATE province_step SET applied_at = now() WHERE id = $1`, [step.id]);
    } catch (error) {
      if (!(error instanceof Refusal) || error.code !== RefusalCode.PROVINCE_UNAVAILABLE) {
        console.error(`province step ${step.id} (${step.action}) failed: ${(error as Error).message}`);
      }
      blocked.add(step.province);
    }
  }
  return blocked.size === 0;
}

/** What a step acts on: the hold it moves, or the member whose account or membership it touches. */
const STEP_SUBJECT = `coalesce(payload->>'holdId', payload->>'memberId')`;

/**
 * Applies the steps of one operation, and before them any earlier unapplied steps on the same
 * holds or members (a restore never runs before the capture it restores). Steps on other holds
 * are left to their own operations, so concurrent operations do not resend each other's steps.
 */
export async function applyStepsOf(db: DataSource, provinces: ProvinceDirectory, operationId: string): Promise<boolean> {
  const rows: StepRow[] = await db.query(
    `WITH mine AS (SELECT province, ${STEP_SUBJECT} AS subject, max(id) AS last FROM province_step
                   WHERE operation_id = $1 AND applied_at IS NULL GROUP BY 1, 2)
     SELECT s.id, s.province, s.action, s.payload FROM province_step s
     JOIN mine ON mine.province = s.province AND mine.subject = coalesce(s.payload->>'holdId', s.payload->>'memberId')
     WHERE s.applied_at IS NULL AND s.id <= mine.last ORDER BY s.id`,
    [operationId],
  );
  return applyRows(db, provinces, rows);
}

/** For the recovery worker: every unapplied step older than `graceSeconds`. */
export async function applyPendingSteps(db: DataSource, provinces: ProvinceDirectory, graceSeconds: number): Promise<number> {
  const rows: StepRow[] = await db.query(
    `SELECT id, province, action, payload FROM province_step
     WHERE applied_at IS NULL AND created_at < now() - make_interval(secs => $1) ORDER BY id LIMIT 1000`,
    [graceSeconds],
  );
  await applyRows(db, provinces, rows);
  return rows.length;
}

/** Unapplied hold movements by hold id, for reconciliation: what the province has yet to do. */
export async function unappliedHoldMovements(db: DataSource, province: string): Promise<Map<string, bigint>> {
  const rows: { hold_id: string; change: string }[] = await db.query(
    `SELECT payload->>'holdId' AS hold_id,
            sum(CASE action WHEN 'captureHold' THEN (payload->>'amount')::bigint
                            WHEN 'releaseHold' THEN (payload->>'amount')::bigint
                            WHEN 'restoreHold' THEN -(payload->>'amount')::bigint ELSE 0 END)::text AS change
     FROM province_step WHERE province = $1 AND applied_at IS NULL AND payload ? 'holdId' AND action <> 'refundToAccount'
     GROUP BY 1`,
    [province],
  );
  return new Map(rows.map((r) => [r.hold_id, BigInt(r.change)]));
}
