import type { FormattedExecutionResult } from 'graphql';
import { createClient } from 'graphql-sse';

/**
 * A subscription over GraphQL over server-sent events (the graphql-sse client, one connection per
 * subscription, no automatic retry: a test decides when to resume, with `after`), for the tests,
 * the benchmark and teams testing against the platform.
 */
export interface Subscription<Data = Record<string, any>> {
  /** Every answer received so far, in order. */
  readonly results: FormattedExecutionResult<Data>[];
  /** The first answer not taken yet by `next`, waiting for it up to `timeoutMs`. */
  next(timeoutMs?: number): Promise<FormattedExecutionResult<Data>>;
  /** Settles when the stream ends: undefined when the server completed it, or the error that broke it. */
  readonly ended: Promise<Error | undefined>;
  close(): void;
}

/**
 * Subscribes at `url` (the gateway's /graphql/stream), resolving once the server has answered
 * the request: from then on every event is delivered (or the subscription was refused, and its
 * only answer says why).
 */
export async function subscribeOverSse<Data = Record<string, any>>(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables?: Record<string, unknown>,
  /** Called as each answer arrives (the benchmark times them). */
  onAnswer?: (result: FormattedExecutionResult<Data>) => void,
): Promise<Subscription<Data>> {
  const results: FormattedExecutionResult<Data>[] = [];
  let taken = 0;
  let wake = () => undefined as void;
  let endedWith: { error?: Error } | undefined;
  const client = createClient({ url, headers, retryAttempts: 0 });
  let connected = () => undefined as void;
  const answered = new Promise<void>((resolve) => (connected = resolve));
  const ended = new Promise<Error | undefined>((resolve) => {
    const finish = (error?: Error) => {
      endedWith = { error };
      resolve(error);
      connected();
      wake();
      client.dispose();
    };
    client.subscribe<Data>(
      { query, variables },
      {
        next: (result) => {
          results.push(result as FormattedExecutionResult<Data>);
          onAnswer?.(result as FormattedExecutionResult<Data>);
          wake();
        },
        error: (error) => finish(error instanceof Error ? error : new Error(String(error))), // "Server responded with 401: …"
        complete: () => finish(),
      },
      { connected: () => connected() },
    );
  });
  await answered;
  return {
    results,
    ended,
    close: () => client.dispose(),
    async next(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (taken >= results.length) {
        if (endedWith)
          throw new Error(
            `the subscription ended (${endedWith.error?.message ?? 'completed'}) after ${results.length} answers`,
          );
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no answer within ${timeoutMs} ms; ${results.length} so far: ${JSON.stringify(results)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return results[taken++];
    },
  };
}
