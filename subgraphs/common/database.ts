import { DataSource, type MixedList, type EntitySchema, type ValueTransformer } from 'typeorm';
import type { Fen } from './money';
import { databaseWaits } from './deadlines';
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
  await dataSource.initialize();
  await whileHolding(dataSource, 'migrations', () => dataSource.runMigrations({ transaction: 'each' }));
  return dataSource;
}
