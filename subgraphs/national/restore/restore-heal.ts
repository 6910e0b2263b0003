import {
  fromWire,
  type InputOf,
  mismatch,
  type ProvinceOperations,
  provinceOperations,
} from '../../common/platform/http/internal-contract';
import type { DataSource } from 'typeorm';
import { errorText } from '../../common/platform/log';
import type { ProvinceDirectory } from '../provinces/province-directory';
import { MISSING_ENTRY } from '../reconciliation/reconciliation-results';

/**
 * The restore drill: a province's database restored from a backup taken earlier has lost what
 * happened since. National still knows every money movement it asked of that province, so it
 * sends them all again, in the order they first happened: every hold placed (a transfer's id),
 * every own-account debit of a settlement, and every province step already applied (captures,
 * releases, restores, refunds to an account, ended memberships, account moves out and in). Each
 * is idempotent by its operation id on the province side, so what the backup already holds
 * changes nothing and what it lost is booked again, exactly once.
 *
 * What national never saw cannot come back this way: the province's own writes (contributions
 * credited, own-account spending at its counters, members enrolled at its windows) after the
 * backup. A movement that can no longer be booked (a hold the restored balance cannot cover, a
 * member the backup does not have) is refused by the province and reported here, and R20
 * reconciliation goes on naming its hold, account or move until an operator books it by hand.
 */
export interface ReplayedOperation {
  action: string;
  operationId: string;
  /** The hold or member it concerns. */
  subject: string;
}

export interface HealReport {
  province: string;
  /** Operations sent again (those the backup held were no-ops). */
  sent: number;
  /** Operations the province refused, with its reason: what this cannot heal. */
  refused: (ReplayedOperation & { reason: string })[];
  /** An own-account debit booked again with other parts than first recorded (the restored balance differs). */
  differentParts: (ReplayedOperation & { recorded: string; booked: string })[];
}

interface Replay {
  action: string;
  operation_id: string;
  payload: Record<string, unknown>;
  /** Own-account debits: what national recorded the parts as (fen). */
  recorded: { CURRENT_YEAR: string; ACCUMULATED: string } | null;
}

/**
 * Everything national asked of a province, in the order it happened (each movement at the
 * platform time it was decided; an own-account debit when its settlement was recorded, before the
 * captures of the same settlement; holds before the steps on them).
 */
const HISTORY = `
  SELECT action, operation_id, payload, recorded FROM (
    SELECT 'placeHold' AS action, t.id AS operation_id, 0 AS rank, NULL::jsonb AS recorded,
           jsonb_build_object('holdId', t.id, 'memberId', t.donor_id, 'fundSource', t.fund_source, 'amount', t.amount::text) AS payload,
           coalesce(t.committed_at, (SELECT min(s.created_at) FROM province_step s WHERE s.payload->>'holdId' = t.id)) AS at, 0::bigint AS seq
    FROM transfer t WHERE t.donor_province = $1 AND t.state <> 'PENDING'
    UNION ALL
    SELECT 'spendOwn', s.id, 1, jsonb_build_object('CURRENT_YEAR', s.own_current_year::text, 'ACCUMULATED', s.own_accumulated::text),
           jsonb_build_object('memberId', s.beneficiary_id, 'operationId', s.id, 'amount', (s.own_current_year + s.own_accumulated)::text),
           s.created_at, 0
    FROM settlement s WHERE left(s.beneficiary_id, 2) = $1 AND s.state = 'SETTLED' AND s.own_current_year + s.own_accumulated > 0
    UNION ALL
    SELECT action, operation_id, 2, NULL, payload, created_at, id FROM province_step WHERE province = $1 AND applied_at IS NOT NULL
  ) history WHERE at IS NOT NULL ORDER BY at, rank, seq`;

export async function healRestoredProvince(
  db: DataSource,
  provinces: ProvinceDirectory,
  province: string,
): Promise<HealReport> {
  const history: Replay[] = await db.query(HISTORY, [province]);
  // The province stays as it is while it is being healed: R20 below names what is still missing, if anything.
  const report: HealReport = { province, sent: 0, refused: [], differentParts: [] };
  for (const step of history) {
    const operation = {
      action: step.action,
      operationId: step.operation_id,
      subject: String(step.payload.holdId ?? step.payload.memberId ?? ''),
    };
    try {
      const action = step.action as keyof ProvinceOperations;
      const payload = fromWire(provinceOperations[action].input, step.payload);
      if (!payload.success)
        throw new Error(`${step.action} ${step.operation_id} does not match its operation: ${mismatch(payload.error)}`);
      const answer = (await provinces.call(
        province,
        action,
        payload.data as InputOf<ProvinceOperations, typeof action>,
      )) as {
        parts?: { fundSource: string; amount: bigint }[];
      };
      report.sent += 1;
      if (step.recorded) {
        const booked = {
          CURRENT_YEAR: '0',
          ACCUMULATED: '0',
          ...Object.fromEntries((answer.parts ?? []).map((p) => [p.fundSource, String(p.amount)])),
        };
        const same =
          booked.CURRENT_YEAR === step.recorded.CURRENT_YEAR && booked.ACCUMULATED === step.recorded.ACCUMULATED;
        if (!same)
          report.differentParts.push({
            ...operation,
            recorded: JSON.stringify(step.recorded),
            booked: JSON.stringify(booked),
          });
      }
    } catch (error) {
      report.refused.push({ ...operation, reason: errorText(error) });
    }
  }
  return report;
}

/** Movements that book a ledger entry under (operation id, hold id); moves and ended memberships are checked apart (R31). */
const BOOKS_ENTRY = new Set(['placeHold', 'spendOwn', 'captureHold', 'releaseHold', 'restoreHold', 'refundToAccount']);
const CHUNK = 5000;

/**
 * R20 after a restore: every movement national has had a province book (a hold placed, an
 * own-account debit, a capture, release or restore, a refund to an account) has its entries in
 * that province's ledger. Returns each one missing, in words, in the order it happened.
 */
export async function entriesMissing(
  db: DataSource,
  provinces: ProvinceDirectory,
  province: string,
): Promise<string[]> {
  const history = ((await db.query(HISTORY, [province])) as Replay[]).filter(
    (step) =>
      BOOKS_ENTRY.has(step.action) &&
      (step.action !== 'refundToAccount' ||
        (step.payload.parts as { amount: string }[]).some((p) => BigInt(p.amount) > 0n)),
  );
  const operationIds = [...new Set(history.map((step) => step.operation_id))];
  const booked = new Set<string>();
  for (let i = 0; i < operationIds.length; i += CHUNK) {
    const answer = await provinces.call(province, 'bookedEntries', { operationIds: operationIds.slice(i, i + CHUNK) });
    for (const entry of answer.booked) booked.add(`${entry.operationId} ${entry.holdId ?? ''}`);
  }
  return history
    .filter((step) => !booked.has(`${step.operation_id} ${String(step.payload.holdId ?? '')}`))
    .map(
      (step) =>
        `${MISSING_ENTRY} ${step.action} ${step.operation_id}${step.payload.holdId ? ` (hold ${String(step.payload.holdId)})` : ` (member ${String(step.payload.memberId)})`}, which national has had the province book`,
    );
}
