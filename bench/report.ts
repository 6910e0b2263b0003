import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { AllProvincesFigures } from './all-provinces';
import type { BenchConfig } from './config';
import { type CryptoFigures, cryptoTargets, formatCryptoFigures } from './crypto-cost';
import type { LoadStats } from './load';
import type { MemoryPeak, PhasePeak } from './memory';
import type { PageLoad } from './page-size';
import type { StatementFigures } from './statements';
import type { TestRun } from './test-run';
import { type Spread, spread } from './spread';
import type { WalletEventsResult } from './wallet-events';

/** The figures of one run: printed as a table and written to bench/results/latest.json. */
export interface ScenarioResult extends LoadStats {
  label: string;
  /** CPU milliseconds per operation by process (see cpu-usage.ts). */
  cpuMsPerOperation?: Record<string, number>;
  /** Approximate commits per operation by database (see db-activity.ts). */
  commitsPerOperation?: Record<string, number>;
  /** Execution ms per operation by database of the statements the services sent (statements.ts). */
  statementMsPerOperation?: Record<string, number>;
  /** The statements that took longest, per operation (statements.ts). */
  statements?: StatementFigures[];
  /** The platform's CPU ms per operation in each round of an interleaved comparison (telemetry-cost.ts). */
  platformCpuMsPerRound?: number[];
}

/** The scenarios whose top statements the report prints (all of them are in latest.json). */
const STATEMENTS_SHOWN = ['transfers', 'settlements', 'federatedRead', 'staffPage'];
const STATEMENT_LINES = 12;

export interface Target {
  name: string;
  value: number;
  /** e.g. "≥ 0.25" */
  target: string;
  pass: boolean;
}

export interface BenchReport {
  finishedAt: string;
  machine: {
    nproc: number;
    cpu: string;
    memoryGiB: number;
    node: string;
    platform: string;
    loadAverageAtStart: number;
  };
  config: Omit<BenchConfig, 'resultsDir' | 'cpuProfileDir'> & { seedSeconds: number };
  scenarios: Record<string, ScenarioResult>;
  ratios: Record<string, number>;
  targets: Target[];
  memory: MemoryPeak[];
  /** The gateway's peak in each phase of the run. */
  gatewayPhases?: PhasePeak[];
  consistentAfterLoad: boolean;
  /** The national dashboard page's first load (HTML and every file it names), as served. */
  dashboardFirstLoad?: PageLoad;
  /** R9: receipts pushed to open subscriptions while transfers run. */
  walletEvents?: WalletEventsResult;
  /** A second cluster running every province (BENCH_ALL_PROVINCES=0 leaves it out). */
  allProvinces?: AllProvincesFigures;
  /** The cryptography suites' token checks and at-rest primitives (crypto-cost.ts). */
  crypto?: CryptoFigures;
  /** The last full `npm test` on this machine (scripts/run-tests.cjs all), if one was recorded. */
  testRun?: TestRun;
}

/** The machine; `loadAverageAtStart` (1 min) shows whether something else was running when the benchmark began. */
export function machine(loadAverageAtStart: number): BenchReport['machine'] {
  return {
    loadAverageAtStart: Math.round(loadAverageAtStart * 100) / 100,
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN;

/** The share of throughput lost, in percent: 1 - with ÷ without. */
const cost = (withIt: number | undefined, without: number | undefined) =>
  withIt !== undefined && without !== undefined && without > 0
    ? Math.round((1 - withIt / without) * 1000) / 10
    : Number.NaN;

const pad = (text: string, width: number) => text.padEnd(width);
const num = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

/** Processes that are not the platform: the benchmark's own load, the rest of the machine, the hypervisor. */
const NOT_PLATFORM = new Set(['load generator', 'other', 'stolen']);

/** CPU ms one operation costs the whole platform: gateway, national, provinces and PostgreSQL. */
export function platformCpuMs(result: ScenarioResult | undefined): number {
  if (!result?.cpuMsPerOperation) return Number.NaN;
  const total = Object.entries(result.cpuMsPerOperation)
    .filter(([name]) => !NOT_PLATFORM.has(name))
    .reduce((sum, [, ms]) => sum + ms, 0);
  return Math.round(total * 100) / 100;
}

/**
 * Throughput lost to a telemetry mode, in percent, from the platform's CPU per operation: each
 * round's mode against `off` of the same round, then the rounds' mean and 95% interval.
 */
export function pairedCost(mode: ScenarioResult | undefined, off: ScenarioResult | undefined): Spread | undefined {
  const withIt = mode?.platformCpuMsPerRound;
  const without = off?.platformCpuMsPerRound;
  if (!withIt || !without || withIt.length !== without.length || withIt.length === 0) return undefined;
  return spread(withIt.map((ms, round) => (1 - without[round] / ms) * 100));
}

const rounded = (value: number | undefined) => (value === undefined ? Number.NaN : Math.round(value * 10) / 10);

const nationalCommits = (result: ScenarioResult | undefined) => result?.commitsPerOperation?.national ?? Number.NaN;

/** What else the targets read besides the scenarios: each is absent when it was not measured. */
export interface OtherFigures {
  all?: AllProvincesFigures;
  walletEvents?: WalletEventsResult;
  memory?: MemoryPeak[];
  testRun?: TestRun;
  crypto?: CryptoFigures;
}

/** The ratios the targets are about, from the scenarios' figures (NaN when one was not run). */
export function ratiosAndTargets(
  s: Record<string, ScenarioResult>,
  { all, walletEvents, memory, testRun, crypto }: OtherFigures = {},
): { ratios: Record<string, number>; targets: Target[] } {
  const ratios: Record<string, number> = {
    gatewayOverheadP50: ratio(s.federatedRead?.p50Ms, s.directRead?.p50Ms),
    gatewayOverheadP50OneCaller: ratio(s.federatedRead1?.p50Ms, s.directRead1?.p50Ms),
    fanOutP50: ratio(s.fanOut?.p50Ms, s.singleProvince?.p50Ms),
    fanOutP50OneCaller: ratio(s.fanOut1?.p50Ms, s.singleProvince1?.p50Ms),
    statisticsP50: ratio(s.statistics?.p50Ms, s.singleProvince?.p50Ms),
    statisticsP50OneCaller: ratio(s.statistics1?.p50Ms, s.singleProvince1?.p50Ms),
    transfersToFloor: ratio(s.transfers?.throughput, s.floor?.throughput),
    settlementsToFloor: ratio(s.settlements?.throughput, s.floor?.throughput),
    oursToApolloGateway: ratio(s.unroutedOurs?.throughput, s.unroutedApollo?.throughput),
    oursToHiveGateway: ratio(s.unroutedOurs?.throughput, s.unroutedHive?.throughput),
    recordingP50OneCaller: ratio(s.staffPage1?.p50Ms, s.ownPage1?.p50Ms),
    recordingP50: ratio(s.staffPage?.p50Ms, s.ownPage?.p50Ms),
    tracedAt10Cost: cost(s.traced10?.throughput, s.telemetryOff?.throughput),
    tracedAt100Cost: cost(s.traced100?.throughput, s.telemetryOff?.throughput),
    metricsCost: cost(s.telemetryMetrics?.throughput, s.telemetryOff?.throughput),
    // The same from the platform's CPU per operation (throughput of a CPU-bound platform goes as its
    // inverse), round by round: what the targets are read from, with the 95% interval's half-width.
    tracedAt10CpuCost: rounded(pairedCost(s.traced10, s.telemetryOff)?.mean),
    tracedAt10CpuCostInterval: rounded(pairedCost(s.traced10, s.telemetryOff)?.halfWidth),
    tracedAt100CpuCost: rounded(pairedCost(s.traced100, s.telemetryOff)?.mean),
    tracedAt100CpuCostInterval: rounded(pairedCost(s.traced100, s.telemetryOff)?.halfWidth),
    metricsCpuCost: rounded(pairedCost(s.telemetryMetrics, s.telemetryOff)?.mean),
    metricsCpuCostInterval: rounded(pairedCost(s.telemetryMetrics, s.telemetryOff)?.halfWidth),
    transferCpuMs: platformCpuMs(s.transfers),
    settlementCpuMs: platformCpuMs(s.settlements),
    transferNationalCommits: nationalCommits(s.transfers),
    settlementNationalCommits: nationalCommits(s.settlements),
    memberPageNationalCommits: nationalCommits(s.federatedRead),
    fanOutAllP50OneCaller: ratio(all?.scenarios.fanOut31?.p50Ms, all?.scenarios.singleProvince31?.p50Ms),
    allProvincesResidentMiB: all?.provincesResidentMiB ?? Number.NaN,
    allProvincesReadySeconds: all ? Math.round(all.readySeconds * 10) / 10 : Number.NaN,
    memberSearchP50OneCaller: ratio(s.memberSearch1?.p50Ms, s.portalMember1?.p50Ms),
    settlementPageP50OneCaller: ratio(s.settlementPage1?.p50Ms, s.portalMember1?.p50Ms),
    walletEventDelayP50Ms: walletEvents?.delayP50Ms ?? Number.NaN,
    walletEventDelayP99Ms: walletEvents?.delayP99Ms ?? Number.NaN,
    gatewayPeakMiB: memory?.find((p) => p.process === 'gateway')?.peakMiB ?? Number.NaN,
    testRunMinutes: testRun ? Math.round((testRun.seconds / 60) * 10) / 10 : Number.NaN,
    costliestGatewayCpuMs: Math.max(
      ...[s.costliestFanOut, s.costliestPages].map((r) => r?.cpuMsPerOperation?.gateway ?? NaN).filter(Number.isFinite),
    ),
  };
  const reads = s.federatedRead?.concurrency ?? s.fanOut?.concurrency;
  const pg = (result: ScenarioResult | undefined) => num(result?.cpuMsPerOperation?.postgres ?? Number.NaN, 2);
  const subscriptions = walletEvents?.subscriptions ?? 1000;
  const donors = walletEvents?.concurrency ?? 32;
  // The rows of issue 28's table first, in its order and wording; then the older targets.
  const candidates: Omit<Target, 'pass'>[] = [
    {
      name: 'throughput lost to traces at 10% sampling, % (CPU per op)',
      value: ratios.tracedAt10CpuCost,
      target: '≤ 5',
    },
    {
      name: 'throughput lost to metrics alone (the default), % (CPU per op)',
      value: ratios.metricsCpuCost,
      target: '≤ 2',
    },
    {
      name: 'gateway p50 ÷ direct p50, member page, one caller',
      value: ratios.gatewayOverheadP50OneCaller,
      target: '≤ 1.25',
    },
    {
      name: `gateway p50 ÷ direct p50, member page, ${reads} callers`,
      value: ratios.gatewayOverheadP50,
      target: '≤ 1.3',
    },
    { name: 'ours ÷ plain @apollo/gateway, national-only query', value: ratios.oursToApolloGateway, target: '≥ 1.4' },
    { name: 'ours ÷ Hive Gateway, national-only query', value: ratios.oursToHiveGateway, target: '≥ 2' },
    {
      name: `CPU ms per transfer, all processes (PostgreSQL ${pg(s.transfers)})`,
      value: ratios.transferCpuMs,
      target: '≤ 5',
    },
    {
      name: `CPU ms per settlement, all processes (PostgreSQL ${pg(s.settlements)})`,
      value: ratios.settlementCpuMs,
      target: '≤ 6',
    },
    { name: 'national commits per transfer', value: ratios.transferNationalCommits, target: '≤ 2' },
    { name: 'national commits per settlement', value: ratios.settlementNationalCommits, target: '≤ 3' },
    { name: 'national commits per member page', value: ratios.memberPageNationalCommits, target: '≤ 1' },
    {
      name: `wallet-event receipt delay p50, ms (${subscriptions} subscriptions, ${donors} donors)`,
      value: ratios.walletEventDelayP50Ms,
      target: '≤ 50',
    },
    {
      name: `wallet-event receipt delay p99, ms (${subscriptions} subscriptions, ${donors} donors)`,
      value: ratios.walletEventDelayP99Ms,
      target: '≤ 150',
    },
    { name: 'R23 statistics p50 ÷ one province p50, one caller', value: ratios.statisticsP50OneCaller, target: '≤ 2' },
    { name: 'R32 portal page p50 ÷ own page p50, one caller', value: ratios.recordingP50OneCaller, target: '≤ 1.1' },
    {
      name: `R32 portal page p50 ÷ own page p50, ${s.ownPage?.concurrency} callers`,
      value: ratios.recordingP50,
      target: '≤ 1.15',
    },
    { name: 'gateway peak memory, MiB', value: ratios.gatewayPeakMiB, target: '≤ 220' },
    {
      name: `\`npm test\` on this machine, minutes (${testRun?.tests ?? '?'} tests, ${testRun?.fail ?? '?'} failed)`,
      value: ratios.testRunMinutes,
      target: '≤ 6',
    },
    { name: 'transfers/s ÷ PostgreSQL commits/s', value: ratios.transfersToFloor, target: '≥ 0.06' },
    { name: 'settlements/s ÷ PostgreSQL commits/s', value: ratios.settlementsToFloor, target: '≥ 0.05' },
    { name: 'fan-out p50 ÷ one province p50, one caller', value: ratios.fanOutP50OneCaller, target: '≤ 2' },
    { name: `fan-out p50 ÷ one province p50, ${reads} callers`, value: ratios.fanOutP50, target: '≤ 1.8' },
    {
      name: `fan-out to ${all?.provinces ?? 31} p50 ÷ one province p50, one caller`,
      value: ratios.fanOutAllP50OneCaller,
      target: '≤ 3',
    },
    {
      name: `${all?.provinces ?? 31} provincial deployments, resident MiB`,
      value: ratios.allProvincesResidentMiB,
      target: '≤ 4096',
    },
    {
      name: `${all?.provinces ?? 31}-province cluster ready, s`,
      value: ratios.allProvincesReadySeconds,
      target: '≤ 60',
    },
    { name: 'costliest request that passes: gateway CPU ms', value: ratios.costliestGatewayCpuMs, target: '≤ 100' },
    ...cryptoTargets(s, crypto),
  ];
  const targets: Target[] = candidates
    .filter((t) => Number.isFinite(t.value))
    .map((t) => {
      const bound = Number(t.target.slice(2));
      return { ...t, pass: t.target.startsWith('≥') ? t.value >= bound : t.value <= bound };
    });
  for (const [key, result] of Object.entries({ ...s, ...all?.scenarios })) {
    if (result.errors > 0)
      targets.push({ name: `${key}: operations that failed`, value: result.errors, target: '= 0', pass: false });
  }
  // Nothing dropped: a run that failed or cancelled a test does not meet its target, however fast.
  const dropped = testRun ? (testRun.fail ?? 0) + (testRun.cancelled ?? 0) : 0;
  if (testRun && (dropped > 0 || testRun.exitCode !== 0))
    targets.push({ name: '`npm test`: tests failed or cancelled', value: dropped, target: '= 0', pass: false });
  return { ratios, targets };
}

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    '',
    `machine: ${m.nproc} CPU (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; load average ${m.loadAverageAtStart} at start` +
      (m.loadAverageAtStart > 1
        ? ' (the machine was busy just before: if that is still running, figures are low)'
        : ''),
    `data: ${report.config.membersPerProvince} members per province × ${report.config.provinces.length} provinces` +
      ` (loaded in ${num(report.config.seedSeconds)} s); ${report.config.seconds} s per scenario after ${report.config.warmupSeconds} s warm-up`,
    '',
    `${pad('scenario', 52)}${'conc'.padStart(5)}${'ops/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'ops'.padStart(9)}${'errors'.padStart(8)}`,
  ];
  for (const s of [...Object.values(report.scenarios), ...Object.values(report.allProvinces?.scenarios ?? {})]) {
    lines.push(
      `${pad(s.label, 52)}${String(s.concurrency).padStart(5)}${num(s.throughput).padStart(10)}${num(s.p50Ms, 2).padStart(9)}` +
        `${num(s.p99Ms, 2).padStart(9)}${String(s.operations).padStart(9)}${String(s.errors).padStart(8)}`,
    );
  }
  lines.push('', 'CPU ms per operation, by process:');
  for (const s of [...Object.values(report.scenarios), ...Object.values(report.allProvinces?.scenarios ?? {})]) {
    const perProcess = Object.entries(s.cpuMsPerOperation ?? {})
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ');
    if (perProcess) lines.push(`  ${pad(s.label, 58)} ${perProcess}`);
  }
  lines.push('', 'PostgreSQL commits per operation (≈, by database):');
  for (const s of Object.values(report.scenarios)) {
    const perDatabase = Object.entries(s.commitsPerOperation ?? {})
      .map(([db, n]) => `${db} ${n}`)
      .join(', ');
    if (perDatabase) lines.push(`  ${pad(s.label, 58)} ${perDatabase}`);
  }
  for (const key of STATEMENTS_SHOWN) {
    const s = report.scenarios[key];
    if (!s?.statements?.length) continue;
    const byDatabase = Object.entries(s.statementMsPerOperation ?? {})
      .map(([db, ms]) => `${db} ${num(ms, 3)}`)
      .join(', ');
    lines.push('', `PostgreSQL statements per operation, ${s.label} (execution ms by database: ${byDatabase}):`);
    lines.push(
      `  ${pad('database', 12)}${'calls'.padStart(7)}${'ms'.padStart(8)}  statement (↳ run by a trigger or function)`,
    );
    for (const st of s.statements.slice(0, STATEMENT_LINES))
      lines.push(
        `  ${pad(st.database, 12)}${num(st.calls, 2).padStart(7)}${num(st.ms, 3).padStart(8)}  ${st.nested ? '↳ ' : ''}${st.query.slice(0, 110)}`,
      );
  }
  lines.push('', 'targets:');
  for (const t of report.targets)
    lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${pad(t.name, 48)} ${num(t.value, 2).padStart(7)}  (${t.target})`);
  lines.push(
    `  R23 statistics p50 ÷ one province p50, ${report.scenarios.statistics?.concurrency ?? '–'} callers: ${num(report.ratios.statisticsP50, 2)} (no target)`,
  );
  lines.push(
    `  portal lists p50 ÷ one-member read p50, one caller: name search ${num(report.ratios.memberSearchP50OneCaller, 2)}, settlement page ${num(report.ratios.settlementPageP50OneCaller, 2)} (no target)`,
  );
  if (Number.isFinite(report.ratios.metricsCost)) {
    const r = report.ratios;
    const rounds = report.scenarios.telemetryOff?.platformCpuMsPerRound?.length ?? 0;
    lines.push(
      `  throughput lost, from the platform's CPU per operation (mean ± 95% interval of ${rounds} paired rounds): metrics ${num(r.metricsCpuCost)} ± ${num(r.metricsCpuCostInterval)} %, traces at 10% ${num(r.tracedAt10CpuCost)} ± ${num(r.tracedAt10CpuCostInterval)} %, every request traced ${num(r.tracedAt100CpuCost)} ± ${num(r.tracedAt100CpuCostInterval)} %`,
    );
    lines.push(
      `  the same from throughput (noisy on a shared machine), metrics / traces at 10% / at 100%: ${num(r.metricsCost)} % / ${num(r.tracedAt10Cost)} % / ${num(r.tracedAt100Cost)} %`,
    );
  }
  if (!report.testRun) lines.push('  `npm test` on this machine: not measured: run npm test first');
  else lines.push(`  \`npm test\` recorded ${report.testRun.finishedAt} (test/results/last-run.json)`);
  lines.push(`  data still reconciles after the writes: ${report.consistentAfterLoad ? 'yes' : 'NO'}`);
  lines.push(...formatCryptoFigures(report.scenarios, report.crypto));
  const events = report.walletEvents;
  if (events) {
    lines.push(
      '',
      `${events.label} (opened in ${num(events.openSeconds)} s), ${events.concurrency} donors transferring for ${num(events.seconds)} s:`,
    );
    lines.push(
      `  ${num(events.eventsPerSecond)} events delivered per second; ${events.transfers} transfers, ${events.transferErrors} refused`,
    );
    lines.push(
      `  delay from transferQuota's answer to the receipt: p50 ${num(events.delayP50Ms)} ms, p99 ${num(events.delayP99Ms)} ms, max ${num(events.delayMaxMs)} ms`,
    );
    lines.push(
      `  of which until its row was readable (older transactions still running): p50 ${num(events.untilReadableP50Ms)} ms, p99 ${num(events.untilReadableP99Ms)} ms;` +
        ` from then to its arrival (the gateway's poll, answering the event, the stream): p50 ${num(events.afterReadableP50Ms)} ms, p99 ${num(events.afterReadableP99Ms)} ms`,
    );
    const cpu = Object.entries(events.cpuMsPerTransfer ?? {})
      .map(([label, ms]) => `${label} ${num(ms)}`)
      .join(', ');
    lines.push(`  CPU ms per transfer and its receipt, by process: ${cpu}`);
    lines.push(`  receipts missing 30 s after the load: ${events.missing}`);
    for (const error of events.firstErrors) lines.push(`  error: ${error}`);
  }
  const page = report.dashboardFirstLoad;
  if (page) {
    lines.push('', `dashboard page, first load: ${page.bytes} bytes, ${page.gzipBytes} gzipped`);
    for (const f of page.files)
      lines.push(`  ${pad(f.path, 44)} ${String(f.bytes).padStart(9)} B ${String(f.gzipBytes).padStart(9)} B gzipped`);
  }
  lines.push('', 'peak memory (VmHWM):');
  for (const p of report.memory) lines.push(`  ${pad(p.process, 44)} ${num(p.peakMiB).padStart(8)} MiB`);
  if (report.gatewayPhases?.length) {
    lines.push('', "the gateway's peak in each phase of the run (VmHWM started afresh at each):");
    for (const p of report.gatewayPhases) lines.push(`  ${num(p.peakMiB).padStart(8)} MiB  ${p.phase.slice(0, 100)}`);
  }
  return lines.join('\n');
}

export function writeReport(resultsDir: string, report: BenchReport): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
