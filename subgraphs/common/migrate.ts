import type { MixedList } from 'typeorm';
import { openDatabase } from './database';
import { errorText, log } from './log';

/**
 * The `migrate` entry point of a service: brings its database's schema up to date with the
 * service's TypeORM migrations and exits (0 done, 1 failed). Kubernetes runs it as a Job before a
 * rollout, so that new copies start on a schema that is already theirs; the services still run
 * pending migrations at start (npm start, tests), finding none after the Job.
 */
export function runMigrations(label: string, url: string, migrations: MixedList<Function | string>): void {
  openDatabase({ url, entities: [], migrations, poolSize: 2 }) // one connection holds the migrations' lock, one migrates
    .then(async (db) => {
      const applied = await db.query('SELECT count(*)::int AS n FROM migrations');
      log.info({ applied: applied[0]?.n }, `${label}: the database schema is up to date`);
      await db.destroy();
      process.exit(0);
    })
    .catch((error: unknown) => {
      log.fatal(`${label}: migrations failed: ${errorText(error)}`);
      process.exit(1);
    });
}
