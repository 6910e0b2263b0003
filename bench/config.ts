/** The benchmark's settings, read from the environment so that a short run is one variable away. */
export interface BenchConfig {
  /** Provinces started, in the order donors aid the next one's beneficiaries (the last aids the first). */
  provinces: string[];
  /** Seconds each scenario is measured. */
  seconds: number;
  /** Seconds each scenario runs unmeasured first (JIT, plan caches, pools). */
  warmupSeconds: number;
  /** Scenarios compared with each other (a ratio's two sides) run interleaved in this many rounds. */
  rounds: number;
  /** Rounds of the telemetry comparison (each mode restarted, warmed up and measured `seconds` per round). */
  telemetryRounds: number;
  /** Members loaded per province. */
  membersPerProvince: number;
  /** Concurrent requests of the write scenarios and of the floor. */
  writeConcurrency: number;
  /** Concurrent requests of the read scenarios. */
  readConcurrency: number;
  /** Wallet-event subscriptions open while transfers run (one beneficiary each). */
  walletEventSubscriptions: number;
  /** Where latest.json goes. */
  resultsDir: string;
  /** If set, services are started with --cpu-prof writing here. */
  cpuProfileDir?: string;
  /** pg_stat_statements' tracking: `all` (statements run by triggers and functions too), `top`, or `off` (not loaded). */
  statementTracking: StatementTracking;
}

export type StatementTracking = 'all' | 'top' | 'off';

function statementTracking(): StatementTracking {
  const text = process.env.BENCH_STATEMENTS || 'all';
  if (text === 'all' || text === 'top' || text === 'off') return text;
  throw new Error(`BENCH_STATEMENTS must be all, top or off, not "${text}"`);
}

function positiveNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${text}"`);
  return value;
}

export function readConfig(resultsDir: string): BenchConfig {
  const seconds = positiveNumber('BENCH_SECONDS', 10);
  const members = Math.floor(positiveNumber('BENCH_MEMBERS', 100_000));
  if (members < 100) throw new Error('BENCH_MEMBERS must be at least 100');
  return {
    provinces: ['32', '13', '51'],
    seconds,
    warmupSeconds: positiveNumber('BENCH_WARMUP_SECONDS', Math.min(2, Math.max(1, seconds / 5))),
    rounds: Math.floor(positiveNumber('BENCH_ROUNDS', 3)),
    telemetryRounds: Math.floor(positiveNumber('BENCH_TELEMETRY_ROUNDS', 6)),
    membersPerProvince: members,
    writeConcurrency: Math.floor(positiveNumber('BENCH_WRITE_CONCURRENCY', 32)),
    readConcurrency: Math.floor(positiveNumber('BENCH_READ_CONCURRENCY', 32)),
    walletEventSubscriptions: Math.floor(positiveNumber('BENCH_SUBSCRIPTIONS', 1000)),
    resultsDir,
    cpuProfileDir: process.env.BENCH_CPU_PROF_DIR || undefined,
    statementTracking: statementTracking(),
  };
}
