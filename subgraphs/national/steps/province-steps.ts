import { platformNow } from '../../common/platform/clock';
import type { DataSource, EntityManager } from 'typeorm';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { errorText, log } from '../../common/platform/log';
import { activeTraceId, inSpan, linkTo, sampledTraceParent } from '../../common/platform/observability/tracing';
import {
  fromWire,
  type InputOf,
  mismatch,
  type OutputOf,
  type ProvinceOperations,
  provinceOperations,
  toWire,
} from '../../common/platform/http/internal-contract';
import { countStep } from '../national-metrics';
import type { ProvinceDirectory } from '../provinces/province-directory';

/**
 * The outbox of province steps. A national operation writes its own rows and the steps the
 * provinces must take (capture, release, restore, refund) in ONE national transaction; the steps
 * are then applied, each idempotent on the province side by its operation id. Whatever crashes,
 * an unapplied step stays here until the recovery worker applies it, in order, per province.
 * A step keeps the trace context of the request that enqueued it: applied later, its span links
 * back to that request's trace.
 */
export type StepAction =
  | 'captureHold'
  | 'releaseHold'
  | 'restoreHold'
  | 'refundToAccount'
  | 'endMembership'
  | 'moveOut'
  | 'moveIn'
  | 'moveAccount';

/**
 * Writes a step to the outbox, with the trace context of the request it is part of; returns its id
 * (steps of a province are applied in id order). The payload is kept in its wire form (the
 * operation's contract), which the SQL below reads (`payload->>'amount'` is fen in digits).
 */
export async function enqueueStep<Action extends StepAction>(
  tx: EntityManager,
  operationId: string,
  province: string,
  action: Action,
  payload: InputOf<ProvinceOperations, Action>,
): Promise<string> {
  const [{ id }] = (await tx.query(
    `INSERT INTO province_step (operation_id, province, action, payload, trace_context, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      operationId,
      province,
      action,
      JSON.stringify(toWire(provinceOperations[action].input, payload)),
      sampledTraceParent(),
      platformNow(),
    ],
  )) as { id: string }[];
  return id;
}

export interface StepRow {
  id: string;
  operation_id: string;
  province: string;
  action: StepAction;
  payload: Record<string, unknown>;
  /** The W3C traceparent of the request that enqueued the step, when it was traced. */
  trace_context: string | null;
}

/**
 * What national records when a province has applied a step, in the transaction that marks it
 * applied (e.g. R31: the amounts a transfer-out booked, and the transfer-in that follows).
 */
export type StepFollowUp<Action extends StepAction> = (
  tx: EntityManager,
  step: StepRow,
  result: OutputOf<ProvinceOperations, Action>,
) => Promise<void>;
const followUps = new Map<StepAction, StepFollowUp<StepAction>>();

export function followStep<Action extends StepAction>(action: Action, followUp: StepFollowUp<Action>): void {
  followUps.set(action, followUp as StepFollowUp<StepAction>);
}

/** A province's answer that a step cannot be taken yet, but that later steps may go ahead (R31: holds to settle first). */
const retryLater = (result: unknown) => typeof result === 'object' && result !== null && 'retryLater' in result;

/**
 * Applies steps in id order, one province after another, stopping at the first step a province
 * cannot take now (later steps of that province wait, so a restore never runs before the capture
 * it restores). Returns true when every step given is applied.
 */
export async function applySteps(db: DataSource, provinces: ProvinceDirectory, rows: StepRow[]): Promise<boolean> {
  return (await applyRows(db, provinces, rows)).allApplied;
}

async function applyRows(
  db: DataSource,
  provinces: ProvinceDirectory,
  rows: StepRow[],
): Promise<{ allApplied: boolean; applied: number }> {
  const blocked = new Set<string>();
  const applied: StepRow[] = [];
  let followedUp = 0;
  for (const step of rows) {
    if (blocked.has(step.province)) continue;
    try {
      const outcome = await inStepSpan(step, () => applyStep(db, provinces, step));
      if (outcome === 'answered')
        applied.push(step); // marked together below: a step applied twice changes nothing
      else if (outcome === 'applied') followedUp += 1;
      if (outcome !== 'answered') countStep(step, outcome);
    } catch (error) {
      const unavailable = error instanceof Refusal && error.code === RefusalCode.PROVINCE_UNAVAILABLE;
      if (!unavailable)
        log.error(
          { step: step.id, action: step.action, province: step.province, error: errorText(error) },
          'province step failed',
        );
      countStep(step, unavailable ? 'unavailable' : 'failed');
      blocked.add(step.province);
    }
  }
  if (applied.length > 0) {
    await db.query(`UPDATE province_step SET applied_at = now() WHERE id = ANY($1)`, [applied.map((step) => step.id)]);
    for (const step of applied) countStep(step, 'applied');
  }
  return { allApplied: blocked.size === 0, applied: followedUp + applied.length };
}

/** Sends a step to its province; a step with a follow-up is marked applied with it, one without is left to be marked with the others ('answered'). */
async function applyStep(
  db: DataSource,
  provinces: ProvinceDirectory,
  step: StepRow,
): Promise<'applied' | 'answered' | 'waiting'> {
  const payload = fromWire(provinceOperations[step.action].input, step.payload);
  if (!payload.success)
    throw new Error(`step ${step.id} (${step.action}) does not match its operation: ${mismatch(payload.error)}`);
  const result = await provinces.call(
    step.province,
    step.action,
    payload.data as InputOf<ProvinceOperations, StepAction>,
  );
  if (retryLater(result)) return 'waiting';
  const followUp = followUps.get(step.action);
  if (!followUp) return 'answered';
  await db.transaction(async (tx) => {
    await tx.query(`UPDATE province_step SET applied_at = now() WHERE id = $1`, [step.id]);
    await followUp(tx, step, result);
  });
  return 'applied';
}

/**
 * A step's span: within the request that enqueued it, a child of that request; applied later
 * (recovery, or another operation on the same hold), linked to it.
 */
function inStepSpan<T>(step: StepRow, work: () => Promise<T>): Promise<T> {
  const origin = linkTo(step.trace_context);
  const within = origin !== undefined && origin.context.traceId === activeTraceId();
  const attributes = {
    'wallet.step.id': step.id,
    'wallet.step.action': step.action,
    'wallet.step.province': step.province,
  };
  return inSpan(`province step ${step.action}`, { attributes, links: within ? [] : [origin] }, work);
}

/** What waits in the outbox, by province: how many steps, and the age of the oldest. */
export async function outboxBacklog(
  db: DataSource,
): Promise<{ province: string; steps: number; oldestSeconds: number }[]> {
  return db.query(
    `SELECT province, count(*)::int AS steps, extract(epoch FROM $1::timestamptz - min(created_at))::float8 AS "oldestSeconds"
     FROM province_step WHERE applied_at IS NULL GROUP BY province`,
    [platformNow()],
  );
}

/** What a step acts on: the hold it moves, or the member whose account or membership it touches. */
const STEP_SUBJECT = `coalesce(payload->>'holdId', payload->>'memberId')`;

/**
 * The steps of one operation still to apply, and before them any earlier unapplied steps on the
 * same holds or members (a restore never runs before the capture it restores). Steps on other holds
 * are left to their own operations, so concurrent operations do not resend each other's steps. Read
 * in the operation's own transaction when it has just written them.
 */
export async function stepsToApply(db: DataSource | EntityManager, operationId: string): Promise<StepRow[]> {
  return db.query(
    `WITH mine AS (SELECT province, ${STEP_SUBJECT} AS subject, max(id) AS last FROM province_step
                   WHERE operation_id = $1 AND applied_at IS NULL GROUP BY 1, 2)
     SELECT s.id, s.operation_id, s.province, s.action, s.payload, s.trace_context FROM province_step s
     JOIN mine ON mine.province = s.province AND mine.subject = coalesce(s.payload->>'holdId', s.payload->>'memberId')
     WHERE s.applied_at IS NULL AND s.id <= mine.last ORDER BY s.id`,
    [operationId],
  );
}

/** Applies the steps of one operation (see stepsToApply). */
export async function applyStepsOf(
  db: DataSource,
  provinces: ProvinceDirectory,
  operationId: string,
): Promise<boolean> {
  return applySteps(db, provinces, await stepsToApply(db, operationId));
}

/** For the recovery worker: every unapplied step older than `graceSeconds`; returns how many it applied. */
export async function applyPendingSteps(
  db: DataSource,
  provinces: ProvinceDirectory,
  graceSeconds: number,
): Promise<number> {
  const rows: StepRow[] = await db.query(
    `SELECT id, operation_id, province, action, payload, trace_context FROM province_step
     WHERE applied_at IS NULL AND created_at < $2::timestamptz - make_interval(secs => $1) ORDER BY id LIMIT 1000`,
    [graceSeconds, platformNow()],
  );
  return (await applyRows(db, provinces, rows)).applied;
}

/** Every unapplied step of one province up to and including step `lastId`, in order (before a step that must come after all of them). */
export async function applyProvinceStepsUpTo(
  db: DataSource,
  provinces: ProvinceDirectory,
  province: string,
  lastId: string,
): Promise<boolean> {
  const rows: StepRow[] = await db.query(
    `SELECT id, operation_id, province, action, payload, trace_context FROM province_step
     WHERE applied_at IS NULL AND province = $1 AND id <= $2 ORDER BY id LIMIT 1000`,
    [province, lastId],
  );
  return applySteps(db, provinces, rows);
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
