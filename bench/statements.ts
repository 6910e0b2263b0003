import { Client } from 'pg';

/**
 * PostgreSQL's share statement by statement: the embedded server of the benchmark runs with
 * pg_stat_statements (by default track = all, so that statements run by triggers and functions are
 * seen too, beside the top-level statement that fired them; BENCH_STATEMENTS=top or off to measure
 * what the tracking itself costs). Around each measured run the counters are
 * reset and read; per operation, each statement's calls and execution milliseconds by database.
 */
export function statementSettings(tracking: 'all' | 'top'): Record<string, string> {
  return {
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': tracking,
    'pg_stat_statements.max': '5000',
  };
}

export interface StatementFigures {
  database: string;
  /** Run by a trigger or a function (not sent by a service). */
  nested: boolean;
  query: string;
  calls: number;
  ms: number;
}

/** Accumulated over the runs of a scenario, by database, nesting and query id. */
export type Statements = Map<string, StatementFigures>;

const adminUrl = (anyDatabaseUrl: string) => {
  const url = new URL(anyDatabaseUrl);
  url.pathname = '/postgres';
  return url.toString();
};

async function withAdmin<T>(anyDatabaseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl(anyDatabaseUrl) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the extension's view (in the postgres database: it shows every database's statements). */
export async function prepareStatements(anyDatabaseUrl: string): Promise<void> {
  await withAdmin(anyDatabaseUrl, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
}

export async function resetStatements(anyDatabaseUrl: string): Promise<void> {
  await withAdmin(anyDatabaseUrl, (c) => c.query('SELECT pg_stat_statements_reset()'));
}

/** Adds what ran since the last reset into `into` (the benchmark's own postgres database left out). */
export async function addStatements(anyDatabaseUrl: string, into: Statements): Promise<void> {
  const { rows } = await withAdmin(anyDatabaseUrl, (c) =>
    c.query<{ database: string; toplevel: boolean; queryid: string; query: string; calls: string; ms: number }>(
      `SELECT d.datname AS database, s.toplevel, s.queryid::text AS queryid, s.query,
              s.calls::text AS calls, s.total_exec_time AS ms
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname <> 'postgres'`,
    ),
  );
  for (const row of rows) {
    const key = `${row.database}/${row.toplevel}/${row.queryid}`;
    const known = into.get(key) ?? {
      database: row.database,
      nested: !row.toplevel,
      query: row.query.replace(/\s+/g, ' ').trim(),
      calls: 0,
      ms: 0,
    };
    known.calls += Number(row.calls);
    known.ms += row.ms;
    into.set(key, known);
  }
}

/** The `top` statements by execution time, per operation (calls and ms rounded). */
export function topPerOperation(statements: Statements, operations: number, top: number): StatementFigures[] {
  if (operations === 0) return [];
  return [...statements.values()]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top)
    .map((s) => ({
      ...s,
      calls: Math.round((s.calls / operations) * 100) / 100,
      ms: Math.round((s.ms / operations) * 1000) / 1000,
    }));
}

/** Execution milliseconds per operation by database, of the statements services sent (top level). */
export function msPerOperationByDatabase(statements: Statements, operations: number): Record<string, number> {
  const totals: Record<string, number> = {};
  if (operations === 0) return totals;
  for (const s of statements.values()) {
    if (!s.nested) totals[s.database] = (totals[s.database] ?? 0) + s.ms;
  }
  for (const db of Object.keys(totals)) totals[db] = Math.round((totals[db] / operations) * 1000) / 1000;
  return totals;
}
