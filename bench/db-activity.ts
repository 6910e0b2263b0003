import { Client } from 'pg';

/**
 * Transactions committed per database (pg_stat_database.xact_commit, which counts every
 * autocommitted statement as one) while a scenario ran, divided by its operations: how many
 * round trips with a commit each operation costs in each database. PostgreSQL publishes these
 * counters with up to a second's delay, so over a short run the figures are approximate (±10%).
 */
export type Commits = Map<string, number>;

export async function commitsByDatabase(anyDatabaseUrl: string): Promise<Commits> {
  const url = new URL(anyDatabaseUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string; commits: string }>(
      `SELECT datname, xact_commit::text AS commits FROM pg_stat_database WHERE datname IS NOT NULL`,
    );
    // The benchmark's own admin connections use the postgres database: not counted.
    return new Map(rows.filter((r) => r.datname !== 'postgres').map((r) => [r.datname, Number(r.commits)]));
  } finally {
    await client.end();
  }
}
