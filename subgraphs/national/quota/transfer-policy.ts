import type { DataSource, EntityManager } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { beijingDayStart, beijingMinuteOfDay } from '../../common/platform/clock';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { type Fen, fenFromDb, formatYuan } from '../../common/domain/money';

/**
 * R24: the pilot's limits on transfers, a policy per pooling region (the donor's): at most 3
 * transfers per donor wallet per Beijing day, each at most 2,000.00 yuan, none between 22:00 and
 * 06:00 Beijing time. A region without its own setting uses these defaults.
 */
export interface TransferPolicy {
  dailyTransferLimit: number;
  transferAmountLimit: Fen;
  nightStartMinute: number;
  nightEndMinute: number;
}

export const DEFAULT_TRANSFER_POLICY: TransferPolicy = {
  dailyTransferLimit: 3,
  transferAmountLimit: 200_000n,
  nightStartMinute: 22 * 60,
  nightEndMinute: 6 * 60,
};

/** The columns of a region's policy row (null where the region has none), for reads that join it. */
export const POLICY_COLUMNS = 'daily_transfer_limit, transfer_amount_limit, night_start_minute, night_end_minute';

export interface PolicyRow {
  daily_transfer_limit: number | null;
  transfer_amount_limit: string | null;
  night_start_minute: number | null;
  night_end_minute: number | null;
}

/** A region's policy from its row, the defaults where it sets nothing. */
export function policyOf(row: PolicyRow | undefined): TransferPolicy {
  const d = DEFAULT_TRANSFER_POLICY;
  return {
    dailyTransferLimit: row?.daily_transfer_limit ?? d.dailyTransferLimit,
    transferAmountLimit: row?.transfer_amount_limit ? fenFromDb(row.transfer_amount_limit) : d.transferAmountLimit,
    nightStartMinute: row?.night_start_minute ?? d.nightStartMinute,
    nightEndMinute: row?.night_end_minute ?? d.nightEndMinute,
  };
}

export async function transferPolicyOf(db: Queryable, regionCode: string): Promise<TransferPolicy> {
  const [row] = (await db.query(`SELECT ${POLICY_COLUMNS} FROM transfer_policy WHERE region_code = $1`, [
    regionCode,
  ])) as PolicyRow[];
  return policyOf(row);
}

export async function setTransferPolicy(db: DataSource, regionCode: string, policy: TransferPolicy): Promise<void> {
  await db.query(
    `INSERT INTO transfer_policy (region_code, daily_transfer_limit, transfer_amount_limit, night_start_minute, night_end_minute)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (region_code) DO UPDATE SET daily_transfer_limit = $2, transfer_amount_limit = $3,
       night_start_minute = $4, night_end_minute = $5, updated_at = now()`,
    [
      regionCode,
      policy.dailyTransferLimit,
      String(policy.transferAmountLimit),
      policy.nightStartMinute,
      policy.nightEndMinute,
    ],
  );
}

export const formatMinute = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

function inNightWindow(minute: number, start: number, end: number): boolean {
  return start <= end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** The parts of R24 that need no count: the night window and the amount of one transfer. */
export function checkTransferAgainstPolicy(policy: TransferPolicy, amount: Fen, now: Date): void {
  if (inNightWindow(beijingMinuteOfDay(now), policy.nightStartMinute, policy.nightEndMinute)) {
    throw new Refusal(
      RefusalCode.NIGHT_WINDOW,
      `Transfers are not made between ${formatMinute(policy.nightStartMinute)} and ${formatMinute(policy.nightEndMinute)} Beijing time.`,
    );
  }
  if (amount > policy.transferAmountLimit) {
    throw new Refusal(
      RefusalCode.TRANSFER_AMOUNT_LIMIT,
      `One transfer is at most ${formatYuan(policy.transferAmountLimit)} yuan.`,
    );
  }
}

/**
 * R24's daily count. Run inside the transaction that records the transfer, after locking the
 * donor (so concurrent transfers count each other).
 */
export async function checkDailyTransferCount(
  tx: EntityManager,
  donorId: string,
  policy: TransferPolicy,
  now: Date,
): Promise<void> {
  const [{ n }] = (await tx.query(
    `SELECT count(*)::int AS n FROM transfer WHERE donor_id = $1 AND state <> 'ABORTED' AND created_at >= $2`,
    [donorId, beijingDayStart(now)],
  )) as { n: number }[];
  if (n >= policy.dailyTransferLimit) {
    throw new Refusal(
      RefusalCode.DAILY_TRANSFER_LIMIT,
      `A donor makes at most ${policy.dailyTransferLimit} transfers a day; try again tomorrow.`,
    );
  }
}
