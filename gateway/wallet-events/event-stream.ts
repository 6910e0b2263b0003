import type { FormattedExecutionResult } from 'graphql';
import type { EventPosition } from '../../subgraphs/common/domain/wallet-event-id';
import type { EventFeed, FeedEvent } from './event-feed';
import { errorText, log } from '../../subgraphs/common/platform/log';

/** The answer for one event, or undefined when there is nothing to tell the subscriber. */
export type RunEvent = (event: FeedEvent) => Promise<FormattedExecutionResult | undefined>;

const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * One subscription: the member's events from the feed, each answered by `run` in the order they
 * came (one at a time per subscription), as an async iterator that graphql-sse writes to the
 * client. It ends when the client goes away (`return`), or when the subscriber's token expires
 * (a last UNAUTHENTICATED answer: subscribe again with a new token and `after`).
 */
export class EventStream implements AsyncIterableIterator<FormattedExecutionResult> {
  private readonly ready: FormattedExecutionResult[] = [];
  private waiting?: (result: IteratorResult<FormattedExecutionResult>) => void;
  private ending = false;
  private closed = false;
  private answering: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;
  private readonly expiry?: NodeJS.Timeout;
  private readonly closedListeners: (() => void)[] = [];

  constructor(
    feed: EventFeed,
    memberId: string,
    after: EventPosition | undefined,
    private readonly run: RunEvent,
    expiresAtMs?: number,
  ) {
    this.unsubscribe = feed.subscribe(memberId, after, (event) => this.answer(event));
    if (expiresAtMs !== undefined) {
      this.expiry = setTimeout(
        () => this.end(expired()),
        Math.min(Math.max(0, expiresAtMs - Date.now()), LONGEST_TIMER_MS),
      );
      this.expiry.unref();
    }
  }

  onClose(listener: () => void): void {
    this.closedListeners.push(listener);
  }

  /** Tells the client `last`, if given, and ends the stream (the gateway stopping, a token expiring). */
  end(last?: FormattedExecutionResult): void {
    if (this.closed || this.ending) return;
    if (last) this.push(last);
    this.ending = true;
    if (this.ready.length === 0) this.close();
  }

  private answer(event: FeedEvent): void {
    this.answering = this.answering.then(async () => {
      if (this.closed || this.ending) return;
      const result = await this.run(event).catch((error: unknown): FormattedExecutionResult => {
        log.error({ event: event.id, error: errorText(error) }, 'wallet event failed');
        return { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
      });
      if (result) this.push(result);
    });
  }

  private push(result: FormattedExecutionResult): void {
    if (this.closed) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ value: result, done: false });
    else this.ready.push(result);
  }

  async next(): Promise<IteratorResult<FormattedExecutionResult>> {
    const value = this.ready.shift();
    if (value) {
      if (this.ending && this.ready.length === 0) this.close();
      return { value, done: false };
    }
    if (this.closed || this.ending) {
      this.close();
      return { value: undefined, done: true };
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.close();
    return { value: undefined, done: true };
  }

  async throw(): Promise<IteratorResult<FormattedExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.expiry);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
    for (const listener of this.closedListeners) listener();
  }
}

const expired = (): FormattedExecutionResult => ({
  errors: [
    {
      message:
        'Sign in again: the token has expired. Subscribe again with a new token, passing the last event id as `after`.',
      extensions: { code: 'UNAUTHENTICATED' },
    },
  ],
});
