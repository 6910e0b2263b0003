/**
 * Whether an error means the service lost its own database while answering: the connection could
 * not be opened or broke, or a statement got no answer within its deadline (deadlines.ts). What was
 * being written may or may not have been committed, so the answer is in doubt, never a refusal.
 */
const LOST =
  /Query read timeout|Connection terminated|timeout exceeded when trying to connect|Connection timed out|ECONNRESET|ECONNREFUSED|EPIPE|canceling statement due to statement timeout/i;

export function isDatabaseLoss(error: unknown): boolean {
  // TypeORM wraps pg's error as `driverError`; others chain theirs as `cause`.
  let cause = error as { message?: unknown; code?: unknown; driverError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; cause && depth < 5; depth++) {
    if (typeof cause.code === 'string' && (cause.code === '57014' || cause.code.startsWith('08'))) return true;
    if (typeof cause.message === 'string' && LOST.test(cause.message)) return true;
    cause = (cause.driverError ?? cause.cause) as typeof cause;
  }
  return false;
}

export const DATABASE_LOST_MESSAGE = 'The service lost its database while answering.';
