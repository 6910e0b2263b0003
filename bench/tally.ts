/** Sums of counters read before and after runs (CPU milliseconds, commits), per operation. */

/** What each label added between two readings (CPU milliseconds, commits, ...), added into `into`. */
export function addDifference(
  into: Map<string, number>,
  before: Map<string, number>,
  after: Map<string, number>,
): void {
  for (const [label, value] of after) into.set(label, (into.get(label) ?? 0) + value - (before.get(label) ?? 0));
}

/** Totals divided by operations, rounded, leaving out labels below `minimum` per operation. */
export function perOperation(
  totals: Map<string, number>,
  operations: number,
  minimum: number,
  digits: number,
): Record<string, number> {
  const result: Record<string, number> = {};
  if (operations === 0) return result;
  for (const [label, total] of totals) {
    const each = total / operations;
    if (each >= minimum) result[label] = Math.round(each * 10 ** digits) / 10 ** digits;
  }
  return result;
}
