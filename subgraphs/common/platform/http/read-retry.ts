/**
 * Reads, and only reads, are tried again when the connection failed at once (refused or reset:
 * a peer restarting, a link flapping), with exponential backoff and full jitter, while the
 * deadline leaves room. A read that timed out is not tried again: its budget is spent. A change
 * is never tried again here: a repeat goes through its idempotency key, by the caller's choice.
 */
export const READ_RETRIES = 2;
const BASE_BACKOFF_MS = 50;

const QUICK_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Whether an error is a connection refused or reset (not a timeout). */
export function failedAtOnce(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if (QUICK_FAILURES.has(String((cause as { code?: unknown }).code))) return true;
  }
  return false;
}

/** Runs a read, trying it again after a quick connection failure while `deadline` (epoch ms) leaves room. */
export async function retryRead<T>(
  read: () => Promise<T>,
  deadline: number,
  retryable: (error: unknown) => boolean = failedAtOnce,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const backoff = Math.random() * BASE_BACKOFF_MS * 2 ** attempt;
      if (attempt >= READ_RETRIES || !retryable(error) || Date.now() + backoff >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}
