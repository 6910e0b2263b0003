import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Refusal } from '../subgraphs/common/domain/errors';
import {
  beijingDayOf,
  dayBefore,
  daysOf,
  parseMonthPeriod,
  parsePeriod,
  PeriodUnit,
  previousPeriod,
  yearEarlier,
} from '../subgraphs/national/statistics/period';

/** R23's period: Beijing months, both ends included, at most 36. */
const refused = (from: string, to: string) =>
  assert.throws(
    () => parseMonthPeriod(from, to),
    (e: unknown) => e instanceof Refusal && e.code === 'INVALID_ARGUMENT',
  );

test('a period lists its months in order, across years', () => {
  assert.deepEqual(parseMonthPeriod('2025-11', '2026-02').months, ['2025-11', '2025-12', '2026-01', '2026-02']);
  assert.deepEqual(parseMonthPeriod('2026-05', '2026-05').months, ['2026-05']);
  assert.equal(parseMonthPeriod('2024-01', '2026-12').months.length, 36);
});

test('reversed, over-long or malformed periods are refused', () => {
  refused('2026-02', '2026-01');
  refused('2024-01', '2027-01');
  for (const bad of ['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', '', '1969-12']) refused(bad, '2026-12');
});

test('periods of weeks (Monday to Sunday) and of days, and the periods they are compared with', () => {
  const days = parsePeriod(PeriodUnit.DAY, '2026-02-27', '2026-03-02');
  assert.deepEqual(days.buckets, ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  assert.deepEqual(daysOf(days), { first: '2026-02-27', last: '2026-03-02' });
  assert.deepEqual([previousPeriod(days).from, previousPeriod(days).to], ['2026-02-23', '2026-02-26']);
  assert.deepEqual([yearEarlier(days).from, yearEarlier(days).to], ['2025-02-27', '2025-03-02']);
  assert.equal(yearEarlier(parsePeriod(PeriodUnit.DAY, '2028-02-29', '2028-03-01')).from, '2027-02-28');

  const weeks = parsePeriod(PeriodUnit.WEEK, '2026-11-05', '2026-11-18'); // a Thursday to a Wednesday
  assert.deepEqual(weeks.buckets, ['2026-11-02', '2026-11-09', '2026-11-16']);
  assert.deepEqual(daysOf(weeks), { first: '2026-11-02', last: '2026-11-22' });
  assert.deepEqual(previousPeriod(weeks).buckets, ['2026-10-12', '2026-10-19', '2026-10-26']);
  assert.equal(yearEarlier(weeks).from, '2025-11-03');

  const months = parsePeriod(PeriodUnit.MONTH, '2026-01', '2026-02');
  assert.deepEqual(daysOf(months), { first: '2026-01-01', last: '2026-02-28' });
  assert.deepEqual(
    [previousPeriod(months).from, previousPeriod(months).to, yearEarlier(months).from],
    ['2025-11', '2025-12', '2025-01'],
  );

  for (const [unit, from, to] of [
    [PeriodUnit.DAY, '2026-01-01', '2026-04-03'],
    [PeriodUnit.DAY, '2026-02-30', '2026-03-01'],
    [PeriodUnit.DAY, '2026-03', '2026-03-02'],
    [PeriodUnit.DAY, '2026-03-02', '2026-03-01'],
    [PeriodUnit.WEEK, '2025-01-01', '2026-01-31'],
    [PeriodUnit.MONTH, '2026-01-01', '2026-02-01'],
  ] as const) {
    assert.throws(
      () => parsePeriod(unit, from, to),
      (e: unknown) => e instanceof Refusal && e.code === 'INVALID_ARGUMENT',
      `${unit} ${from} ${to}`,
    );
  }
  assert.equal(parsePeriod(PeriodUnit.DAY, '2026-01-01', '2026-04-02').buckets.length, 92);
});

test("the Beijing day of a time, and the day before (where a period's kept distinct people end)", () => {
  assert.equal(beijingDayOf(new Date('2026-11-04T15:59:59.999Z')), '2026-11-04');
  assert.equal(beijingDayOf(new Date('2026-11-04T16:00:00Z')), '2026-11-05', 'Beijing midnight is 16:00 UTC');
  assert.equal(beijingDayOf(new Date('2026-12-31T16:00:00Z')), '2027-01-01');
  assert.equal(dayBefore('2026-03-01'), '2026-02-28');
  assert.equal(dayBefore('2024-03-01'), '2024-02-29');
  assert.equal(dayBefore('2027-01-01'), '2026-12-31');
});
