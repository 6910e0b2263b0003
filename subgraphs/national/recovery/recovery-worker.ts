import type { DataSource } from 'typeorm';
import { everyInOneCopy, type ExclusiveJobs } from '../../common/platform/data/replica-jobs';
import { inSpan } from '../../common/platform/observability/tracing';
import type { NationalContext } from '../context';
import { countRecoveryRound } from '../national-metrics';
import { carryWaitingAccounts } from '../persons/account-moves';
import { finishWaitingMoves, UNFINISHED_MOVES } from '../persons/insurance-change';
import { completeEnrolment, pendingEnrolments } from '../persons/person-index';
import { returnUnacceptedTransfers } from '../quota/acceptance';
import { completeTransfer, findTransfer } from '../quota/transfers';
import { requireRelationship } from '../relationships/relationships';
import { requireSettlement } from '../settlement/settlement-store';
import { completeSettlement } from '../settlement/settlements';
import { applyPendingSteps } from '../steps/province-steps';
import { useRecoveryGrace } from './recovery-grace';

/**
 * Drives every unfinished operation to a final state after a crash at any step: enrolments and
 * transfers still PENDING, settlements not yet settled, province steps not yet applied, moves whose
 * new membership is not enrolled yet, accounts waiting to move to a new membership (R31); and
 * runs the R25 return job (transfers not accepted by 06:00 the next day go back to the donor).
 * Every step it repeats is idempotent, so running it while requests are in flight is safe.
 * Each piece of work it takes over is traced as a span of its own (a step's span links back to the
 * request that enqueued it), so a round with nothing to do leaves no trace.
 */
export interface RecoveryResult {
  returnedTransfers: number;
  enrolments: number;
  transfers: number;
  settlements: number;
  steps: number;
  moves: number;
  accountMoves: number;
}

export async function recoverOnce(ctx: NationalContext, graceSeconds: number): Promise<RecoveryResult> {
  try {
    const result = await recoverRound(ctx, graceSeconds);
    countRecoveryRound({ ...result });
    return result;
  } catch (error) {
    countRecoveryRound(undefined);
    throw error;
  }
}

async function recoverRound(ctx: NationalContext, graceSeconds: number): Promise<RecoveryResult> {
  const result: RecoveryResult = { ...NOTHING_RECOVERED };
  // The span names the operation by its id; an enrolment by nothing (its key is the person's ID number).
  const attempt = async (kind: string, id: string | undefined, work: () => Promise<unknown>) => {
    try {
      await inSpan(`recover ${kind}`, { attributes: id ? { 'wallet.recovered.id': id } : {} }, work);
      return 1;
    } catch {
      return 0; // refused (and so undone) or still unreachable: tried again next round
    }
  };
  for (const request of await pendingEnrolments(ctx.db, graceSeconds)) {
    result.enrolments += await attempt('enrolment', undefined, () => completeEnrolment(ctx.db, ctx.provinces, request));
  }
  // Transfers and settlements are stamped by the platform clock, so their age is read on that clock too.
  const transfers: { id: string }[] = await ctx.db.query(
    `SELECT id FROM transfer WHERE state = 'PENDING' AND created_at <= $2::timestamptz - make_interval(secs => $1) ORDER BY created_at LIMIT 500`,
    [graceSeconds, ctx.now()],
  );
  for (const { id } of transfers) {
    result.transfers += await attempt('transfer', id, async () => {
      const transfer = await findTransfer(ctx.db, id);
      if (!transfer) return;
      const relationship = await requireRelationship(ctx.db, transfer.relationshipId);
      await completeTransfer(ctx, transfer, relationship.donorId);
    });
  }
  const settlements: { id: string }[] = await ctx.db.query(
    `SELECT id FROM settlement WHERE state = 'PENDING' AND created_at <= $2::timestamptz - make_interval(secs => $1) ORDER BY created_at LIMIT 500`,
    [graceSeconds, ctx.now()],
  );
  for (const { id } of settlements) {
    result.settlements += await attempt('settlement', id, async () =>
      completeSettlement(ctx, await requireSettlement(ctx.db, id)),
    );
  }
  result.steps = await applyPendingSteps(ctx.db, ctx.provinces, graceSeconds);
  result.moves = await finishWaitingMoves(ctx, graceSeconds);
  result.accountMoves = await carryWaitingAccounts(ctx);
  result.returnedTransfers = await returnUnacceptedTransfers(ctx);
  return result;
}

/** What recovery still has to finish; all zero when the platform is quiet (for tests and operators). */
export interface RecoveryBacklog {
  pendingEnrolments: number;
  pendingTransfers: number;
  pendingSettlements: number;
  unappliedSteps: number;
  unfinishedMoves: number;
  movingAccounts: number;
}

export async function recoveryBacklog(db: DataSource): Promise<RecoveryBacklog> {
  const [row] = (await db.query(`SELECT
    (SELECT count(*) FROM person WHERE state = 'PENDING')::int AS "pendingEnrolments",
    (SELECT count(*) FROM transfer WHERE state = 'PENDING')::int AS "pendingTransfers",
    (SELECT count(*) FROM settlement WHERE state = 'PENDING')::int AS "pendingSettlements",
    (SELECT count(*) FROM province_step WHERE applied_at IS NULL)::int AS "unappliedSteps",
    (SELECT count(*) FROM ${UNFINISHED_MOVES})::int AS "unfinishedMoves",
    (SELECT count(*) FROM account_move WHERE state <> 'MOVED')::int AS "movingAccounts"`)) as RecoveryBacklog[];
  return row;
}

/**
 * Runs recoverOnce every `intervalMs` in one copy of national at a time (the others skip their
 * turn), each round with a fresh context (its loaders cache what they read, which must not outlive
 * the round).
 */
export function startRecoveryWorker(
  jobs: ExclusiveJobs,
  context: () => NationalContext,
  intervalMs: number,
  graceSeconds: number,
): () => void {
  useRecoveryGrace(graceSeconds);
  return everyInOneCopy(RECOVERY_JOB, intervalMs, {
    jobs,
    work: () => recoverOnce(context(), graceSeconds),
    due: async () => {
      if (await recoveryDue(context(), graceSeconds)) return true;
      countRecoveryRound({ ...NOTHING_RECOVERED }); // a round that found nothing to do is a completed round
      return false;
    },
  });
}

const NOTHING_RECOVERED: RecoveryResult = {
  returnedTransfers: 0,
  enrolments: 0,
  transfers: 0,
  settlements: 0,
  steps: 0,
  moves: 0,
  accountMoves: 0,
};

/**
 * Whether a round would find anything, in one read: each of its queries' conditions, or a wider
 * one (enrolments, moves: any waiting at all). Anything written after this read waits for the next round.
 */
async function recoveryDue(ctx: NationalContext, graceSeconds: number): Promise<boolean> {
  const older = `created_at <= $2::timestamptz - make_interval(secs => $1)`;
  const [{ due }] = (await ctx.db.query(
    `SELECT EXISTS (SELECT 1 FROM person WHERE state = 'PENDING')
         OR EXISTS (SELECT 1 FROM transfer WHERE state = 'PENDING' AND ${older})
         OR EXISTS (SELECT 1 FROM settlement WHERE state = 'PENDING' AND ${older})
         OR EXISTS (SELECT 1 FROM province_step WHERE applied_at IS NULL AND ${older})
         OR EXISTS (SELECT 1 FROM ${UNFINISHED_MOVES})
         OR EXISTS (SELECT 1 FROM account_move WHERE state = 'WAITING_FOR_MEMBERSHIP')
         OR EXISTS (SELECT 1 FROM transfer WHERE state = 'COMMITTED' AND accepted_at IS NULL AND returned_at IS NULL AND accept_by <= $2)
       AS due`,
    [graceSeconds, ctx.now()],
  )) as { due: boolean }[];
  return due;
}

/** The lock every recovery round holds, periodic or asked for: two copies never recover at once. */
export const RECOVERY_JOB = 'recovery';
