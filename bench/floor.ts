import { Client } from 'pg';
import { type LoadStats, runLoad, summarize } from './load';

/**
 * The floor under every write: how many single-row updates the same embedded PostgreSQL commits
 * per second, from `concurrency` connections (node `pg`, autocommit, each on its own row), in a
 * throw-away database that is dropped afterwards.
 */
const DATABASE = 'bench_floor';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(anyDatabaseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(anyDatabaseUrl, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function measureCommitFloor(
  anyDatabaseUrl: string,
  options: { concurrency: number; seconds: number; warmupSeconds: number },
): Promise<LoadStats> {
  await admin(anyDatabaseUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await client.query(`CREATE DATABASE ${DATABASE}`);
  });
  const clients: Client[] = [];
  try {
    for (let i = 0; i < options.concurrency; i++) {
      const client = new Client({ connectionString: withDatabase(anyDatabaseUrl, DATABASE) });
      await client.connect();
      clients.push(client);
    }
    await clients[0].query('CREATE TABLE bench_counter (id int PRIMARY KEY, v bigint NOT NULL DEFAULT 0)');
    await clients[0].query('INSERT INTO bench_counter (id) SELECT generate_series(1, $1::int)', [options.concurrency]);
    const operation = async (worker: number) => {
      const result = await clients[worker].query({
        name: 'bump',
        text: 'UPDATE bench_counter SET v = v + 1 WHERE id = $1',
        values: [worker + 1],
      });
      if (result.rowCount !== 1) throw new Error('the counter row is missing');
    };
    await runLoad({ concurrency: options.concurrency, seconds: options.warmupSeconds, operation });
    return summarize([await runLoad({ concurrency: options.concurrency, seconds: options.seconds, operation })]);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await admin(anyDatabaseUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${DATABASE}`));
  }
}
