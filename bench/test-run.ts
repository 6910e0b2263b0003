import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The last full `npm test` on this machine, as scripts/run-tests.cjs recorded it
 * (test/results/last-run.json, git-ignored): the benchmark reports its duration against a target.
 */
export interface TestRun {
  finishedAt: string;
  seconds: number;
  tests: number | null;
  pass: number | null;
  fail: number | null;
  cancelled: number | null;
  exitCode: number;
}

const LAST_RUN = join(__dirname, '..', '..', 'test', 'results', 'last-run.json');

export function lastTestRun(): TestRun | undefined {
  if (!existsSync(LAST_RUN)) return undefined;
  return JSON.parse(readFileSync(LAST_RUN, 'utf8')) as TestRun;
}
