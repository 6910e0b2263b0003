import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema, type ValueTransformer } from 'typeorm';
import type { Fen } from '../../domain/money';
import { databaseWaits, deadlines } from '../http/deadlines';
import { isDatabaseLoss } from './database-loss';
import { errorText, log } from '../log';
import { PreparingClient } from './prepared-statements';
import { whileHolding } from './replica-jobs';

/** PostgreSQL `bigint` columns hold fen; pg returns them as strings, so map them to bigint. */
export const fenColumn: ValueTransformer = {
  to: (value: Fen | undefined | null) => (value === undefined || value === null ? value : value.toString()),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};

export interface DatabaseOptions {
  url: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  poolSize?: number;
}

/**
 * Opens the service's own database and brings its schema up to date through migrations, one copy
 * of the service at a time (copies starting together wait for each other; the later find nothing to do).
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize ?? 10, Client: PreparingClient, ...databaseWaits() },
  });
  await reachAtStart(dataSource);
  await whileHolding(dataSource, 'migrations', () => dataSource.runMigrations({ transaction: 'each' }));
  return dataSource;
}

/**
 * A second pool on the same database for the read-only transactions of query operations
 * (request-reads.ts): a read then never waits for a connection behind the money paths'
 * transactions, which hold the main pool's connections while they run (a wallet event answered
 * while transfers flow waited there for most of its delay).
 */
export async function openQueryPool(db: DataSource, poolSize: number): Promise<DataSource> {
  const queries = new DataSource({
    ...db.options,
    migrations: [],
    extra: { max: poolSize, Client: PreparingClient, ...databaseWaits() },
  } as DataSourceOptions);
  await reachAtStart(queries);
  return queries;
}

/** PostgreSQL still starting, shutting down or out of connections: it will take them again. */
const NOT_YET = new Set(['57P01', '57P03', '53300']);

function worthWaitingFor(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return isDatabaseLoss(error) || (typeof code === 'string' && NOT_YET.has(code));
}

/**
 * A service may start while its database restarts or its link to it is down (a pod rescheduled,
 * a failover): it keeps trying for DB_START_WAIT_MS, then exits. A refusal that time will not
 * change (a wrong password, no such database) stops it at once.
 */
async function reachAtStart(dataSource: DataSource): Promise<void> {
  const giveUpAt = Date.now() + deadlines().databaseStartMs;
  for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      // a pool opened before the failure would be left behind by the next attempt
      if (!dataSource.isInitialized) await dataSource.driver.disconnect().catch(() => undefined);
      if (!worthWaitingFor(error) || Date.now() + wait > giveUpAt) throw error;
      log.warn(`its database cannot be reached yet (${errorText(error)}); trying again in ${wait} ms`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
