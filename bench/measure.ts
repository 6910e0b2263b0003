import type { BenchConfig } from './config';
import { cpuTimes, withOthers } from './cpu-usage';
import { commitsByDatabase } from './db-activity';
import { type LoadRun, type Operation, runLoad, summarize } from './load';
import { postmasterPid } from './proc';
import type { ScenarioResult } from './report';
import type { Scenario, ScenarioInputs } from './scenarios';
import {
  addStatements,
  msPerOperationByDatabase,
  resetStatements,
  type Statements,
  topPerOperation,
} from './statements';
import { addDifference, perOperation } from './tally';

/** What is watched while scenarios run: the services' pids by label, and the database server. */
export interface Watched {
  processes: Map<string, number>;
  /** The embedded PostgreSQL's data folder (for its postmaster's pid). */
  dataDir: string;
  /** Any database URL of that server, for its statistics. */
  statsUrl: string;
  /** The server runs pg_stat_statements (statements.ts): each scenario's statements are read too. */
  statements?: boolean;
}

/** Statements listed per scenario in latest.json (the report prints fewer). */
const TOP_STATEMENTS = 25;

interface Accumulated {
  runs: LoadRun[];
  cpuMs: Map<string, number>;
  commits: Map<string, number>;
  statements: Statements;
}

/**
 * Measures the scenarios of one group: each warmed up, then all of them in turn for `rounds`
 * rounds of seconds/rounds each (one round when the group has one scenario), with the CPU time of
 * every process and the commits of every database read around each run.
 */
export async function measureGroup(
  group: Scenario[],
  inputs: ScenarioInputs,
  config: BenchConfig,
  watched: Watched,
  log: (line: string) => void,
): Promise<Record<string, ScenarioResult>> {
  const rounds = group.length > 1 ? config.rounds : 1;
  const operations = new Map(group.map((s) => [s.key, s.operation(inputs)]));
  const totals = new Map<string, Accumulated>(
    group.map((s) => [s.key, { runs: [], cpuMs: new Map(), commits: new Map(), statements: new Map() }]),
  );
  const cpuNow = () => cpuTimes(watched.processes, postmasterPid(watched.dataDir));
  for (const s of group) {
    log(`${s.label}: warming up ${config.warmupSeconds} s at concurrency ${s.concurrency}`);
    await runLoad({
      concurrency: s.concurrency,
      seconds: config.warmupSeconds,
      operation: operations.get(s.key) as Operation,
    });
  }
  log(
    `measuring ${group.map((s) => s.key).join(', ')}: ${config.seconds} s each${rounds > 1 ? `, interleaved in ${rounds} rounds` : ''}`,
  );
  for (let round = 0; round < rounds; round++) {
    for (const s of group) {
      const total = totals.get(s.key) as Accumulated;
      if (watched.statements) await resetStatements(watched.statsUrl);
      const commitsBefore = await commitsByDatabase(watched.statsUrl);
      const cpuBefore = cpuNow();
      const operation = operations.get(s.key) as Operation;
      total.runs.push(await runLoad({ concurrency: s.concurrency, seconds: config.seconds / rounds, operation }));
      addDifference(total.cpuMs, cpuBefore, cpuNow());
      addDifference(total.commits, commitsBefore, await commitsByDatabase(watched.statsUrl));
      if (watched.statements) await addStatements(watched.statsUrl, total.statements);
    }
  }
  const results: Record<string, ScenarioResult> = {};
  for (const s of group) {
    const total = totals.get(s.key) as Accumulated;
    const stats = summarize(total.runs);
    if (stats.errors > 0) log(`  ${s.key}: ${stats.errors} failed, e.g. ${stats.firstErrors[0]}`);
    results[s.key] = {
      label: s.label,
      ...stats,
      cpuMsPerOperation: perOperation(withOthers(total.cpuMs), stats.operations, 0.01, 2),
      commitsPerOperation: perOperation(total.commits, stats.operations, 0.1, 1),
      ...(watched.statements && {
        statementMsPerOperation: msPerOperationByDatabase(total.statements, stats.operations),
        statements: topPerOperation(total.statements, stats.operations, TOP_STATEMENTS),
      }),
    };
  }
  return results;
}
