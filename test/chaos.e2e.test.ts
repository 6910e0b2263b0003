import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_OPTIONS, printReport, runChaos } from '../chaos/run';

/**
 * The short fault-injection run (`npm run chaos` is the long one): about a thousand random money
 * operations with copies and replays, while each service is SIGKILLed once and a few CRASH_AT points
 * are hit; then every check against the model of acknowledged answers must pass (R20, R21, R28, R30).
 */
test('a short chaos run: every check against the model of acknowledged answers passes', { timeout: 15 * 60_000 }, async () => {
  const lines: string[] = [];
  const report = await runChaos({
    ...DEFAULT_OPTIONS, operations: 1000, callers: 8, familiesPerCaller: 4, kills: 5, crashPoints: 4, log: (line) => lines.push(line),
  });
  printReport(report, (line) => lines.push(line));
  assert.equal(report.failed, 0, lines.join('\n'));
  assert.ok(report.faults.filter((f) => f.killed).length >= 5, 'each service was killed at least once');
});
