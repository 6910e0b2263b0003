import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Refusal } from '../subgraphs/common/errors';
import { parseMonthPeriod } from '../subgraphs/national/statistics/period';

/** R23's period: Beijing months, both ends included, at most 36. */
const refused = (from: string, to: string) =>
  assert.throws(() => parseMonthPeriod(from, to), (e: unknown) => e instanceof Refusal && e.code === 'INVALID_ARGUMENT');

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
