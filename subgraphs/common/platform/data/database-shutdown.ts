import type { Pool } from 'pg';
import { errorText, log } from '../log';

/** PostgreSQL's codes for a connection ended, or refused, because the server shuts down (admin_shutdown, cannot_connect_now). */
const SHUTDOWN_CODES: ReadonlySet<unknown> = new Set(['57P01', '57P03']);

/** Whether the database ended the connection because it shuts down: a stop or a restart, not a failure. */
export const isDatabaseShutdown = (error: unknown): boolean =>
  SHUTDOWN_CODES.has((error as { code?: unknown } | null)?.code);

/** Logs a failure of background work: a warning when the database is shutting down (a stop is not a failure), else an error. */
export function logWorkFailure(error: unknown, message: string): void {
  if (isDatabaseShutdown(error)) log.warn({ error: errorText(error) }, `${message}: the database is shutting down`);
  else log.error({ error: errorText(error) }, message);
}

/** Logs an idle connection of the pool that fails, as logWorkFailure does. */
export function logPoolErrors(pool: Pool, what: string): void {
  pool.on('error', (error) => logWorkFailure(error, `${what} failed`));
}
