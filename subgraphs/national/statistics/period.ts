import { Refusal, RefusalCode } from '../../common/domain/errors';

/**
 * R23's period: whole months of Beijing time (UTC+8 all year), written "2026-11", from and to
 * both included, at most MAX_PERIOD_MONTHS long. The same months bound the clearing (R22).
 */
export const MAX_PERIOD_MONTHS = 36;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface MonthPeriod {
  from: string;
  to: string;
  /** Every month of the period, in order. */
  months: string[];
}

const index = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
const fromIndex = (i: number) =>
  `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;

function checkMonth(name: string, month: string): void {
  const match = MONTH.exec(month);
  if (!match || Number(match[1]) < 1970) {
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      `\`${name}\` must be a month written as 2026-11, not "${month.slice(0, 20)}".`,
    );
  }
}

export function parseMonthPeriod(from: string, to: string): MonthPeriod {
  checkMonth('from', from);
  checkMonth('to', to);
  const length = index(to) - index(from) + 1;
  if (length < 1)
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, `The period ends (${to}) before it starts (${from}).`);
  if (length > MAX_PERIOD_MONTHS) {
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      `The period is ${length} months long; at most ${MAX_PERIOD_MONTHS} months can be asked at once.`,
    );
  }
  return { from, to, months: Array.from({ length }, (_, i) => fromIndex(index(from) + i)) };
}

/** How a period is cut: whole Beijing months, Monday-to-Sunday weeks, or days. */
export enum PeriodUnit {
  MONTH = 'MONTH',
  WEEK = 'WEEK',
  DAY = 'DAY',
}

/** At most this many weeks or days in one question (the daily figures are read row by row). */
export const MAX_PERIOD_WEEKS = 53;
export const MAX_PERIOD_DAYS = 92;

/**
 * A period of any unit. Buckets are named by their start: a month "2026-11"; a week by its Monday
 * "2026-11-02"; a day "2026-11-05". `from` and `to` are the first and last bucket.
 */
export interface Period {
  unit: PeriodUnit;
  from: string;
  to: string;
  buckets: string[];
}

const DAY = /^(\d{4})-(\d\d)-(\d\d)$/;
const DAY_MS = 86_400_000;
const dayName = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function dayMs(name: string, day: string): number {
  const match = DAY.exec(day);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || Number.isNaN(ms) || dayName(ms) !== day || Number(match[1]) < 1970) {
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      `\`${name}\` must be a day written as 2026-11-05, not "${day.slice(0, 20)}".`,
    );
  }
  return ms;
}

/** The Monday of the week of a day (1970-01-01 was a Thursday). */
const mondayOf = (ms: number) => ms - ((Math.floor(ms / DAY_MS) + 3) % 7) * DAY_MS;

export function parsePeriod(unit: PeriodUnit, from: string, to: string): Period {
  if (unit === PeriodUnit.MONTH) {
    const months = parseMonthPeriod(from, to);
    return { unit, from, to, buckets: months.months };
  }
  const step = unit === PeriodUnit.WEEK ? 7 * DAY_MS : DAY_MS;
  const start = unit === PeriodUnit.WEEK ? mondayOf(dayMs('from', from)) : dayMs('from', from);
  const end = unit === PeriodUnit.WEEK ? mondayOf(dayMs('to', to)) : dayMs('to', to);
  const length = (end - start) / step + 1;
  if (length < 1)
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, `The period ends (${to}) before it starts (${from}).`);
  const most = unit === PeriodUnit.WEEK ? MAX_PERIOD_WEEKS : MAX_PERIOD_DAYS;
  const named = unit === PeriodUnit.WEEK ? 'weeks' : 'days';
  if (length > most)
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      `The period is ${length} ${named} long; at most ${most} ${named} can be asked at once.`,
    );
  const buckets = Array.from({ length }, (_, i) => dayName(start + i * step));
  return { unit, from: buckets[0], to: buckets[length - 1], buckets };
}

/** The first and the last day of a period, both included. */
export function daysOf(period: Period): { first: string; last: string } {
  if (period.unit === PeriodUnit.MONTH) {
    const after = index(period.to) + 1;
    return { first: `${period.from}-01`, last: dayName(Date.UTC(Math.floor(after / 12), after % 12, 1) - DAY_MS) };
  }
  const last = Date.parse(`${period.to}T00:00:00Z`) + (period.unit === PeriodUnit.WEEK ? 6 : 0) * DAY_MS;
  return { first: period.from, last: dayName(last) };
}

/** The period of the same length just before (环比). */
export function previousPeriod(period: Period): Period {
  const length = period.buckets.length;
  if (period.unit === PeriodUnit.MONTH) {
    return parsePeriod(period.unit, fromIndex(index(period.from) - length), fromIndex(index(period.to) - length));
  }
  const step = (period.unit === PeriodUnit.WEEK ? 7 : 1) * DAY_MS * length;
  const shift = (day: string) => dayName(Date.parse(`${day}T00:00:00Z`) - step);
  return parsePeriod(period.unit, shift(period.from), shift(period.to));
}

/** The same period a year earlier (同比): the same months, the same 52 weeks back, the same dates. */
export function yearEarlier(period: Period): Period {
  if (period.unit === PeriodUnit.MONTH) {
    return parsePeriod(period.unit, fromIndex(index(period.from) - 12), fromIndex(index(period.to) - 12));
  }
  const shift =
    period.unit === PeriodUnit.WEEK
      ? (day: string) => dayName(Date.parse(`${day}T00:00:00Z`) - 364 * DAY_MS)
      : (day: string) =>
          `${String(Number(day.slice(0, 4)) - 1).padStart(4, '0')}${day.slice(4) === '-02-29' ? '-02-28' : day.slice(4)}`;
  return parsePeriod(period.unit, shift(period.from), shift(period.to));
}

/** The Beijing calendar day (UTC+8 all year) of a time: "2026-11-05". */
export const beijingDayOf = (time: Date): string => dayName(time.getTime() + 8 * 3_600_000);

/** The day before a day: "2026-11-04" for "2026-11-05". */
export const dayBefore = (day: string): string => dayName(Date.parse(`${day}T00:00:00Z`) - DAY_MS);
