import { Refusal, RefusalCode } from '../../common/errors';

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
const fromIndex = (i: number) => `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;

function checkMonth(name: string, month: string): void {
  const match = MONTH.exec(month);
  if (!match || Number(match[1]) < 1970) {
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, `\`${name}\` must be a month written as 2026-11, not "${month.slice(0, 20)}".`);
  }
}

export function parseMonthPeriod(from: string, to: string): MonthPeriod {
  checkMonth('from', from);
  checkMonth('to', to);
  const length = index(to) - index(from) + 1;
  if (length < 1) throw new Refusal(RefusalCode.INVALID_ARGUMENT, `The period ends (${to}) before it starts (${from}).`);
  if (length > MAX_PERIOD_MONTHS) {
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, `The period is ${length} months long; at most ${MAX_PERIOD_MONTHS} months can be asked at once.`);
  }
  return { from, to, months: Array.from({ length }, (_, i) => fromIndex(index(from) + i)) };
}
