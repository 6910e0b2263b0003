/**
 * A circuit breaker per peer (a province, seen from the gateway or from national). Closed: every
 * call goes through. After `failuresToOpen` calls in a row got no answer in time it opens: calls
 * fail fast, without waiting on the peer, for `openMs`. Then it is half-open: one call goes through
 * as a probe (the others still fail fast); its answer closes the breaker, its silence opens it
 * again. One slow request alone never opens it, and any answer resets the count.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  failuresToOpen: number;
  openMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { failuresToOpen: 3, openMs: 5_000 };

/** BREAKER_FAILURES and BREAKER_OPEN_MS, or the defaults. */
export function breakerSettingsFrom(config: { BREAKER_FAILURES: number; BREAKER_OPEN_MS: number }): BreakerSettings {
  return { failuresToOpen: config.BREAKER_FAILURES, openMs: config.BREAKER_OPEN_MS };
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';

  constructor(
    private readonly settings: BreakerSettings = DEFAULT_BREAKER,
    private readonly onChange?: (state: BreakerState) => void,
  ) {}

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a call may go out now; when it does, its outcome must be told (`answered` or `silent`). */
  admit(now = Date.now()): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (now - this.openedAt < this.settings.openMs) return false;
      this.move('half-open');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Whether calls fail fast now (open, and not yet time for a probe). */
  failsFast(now = Date.now()): boolean {
    return this.current === 'open' && now - this.openedAt < this.settings.openMs;
  }

  /** The peer answered (a refusal is an answer too). */
  answered(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') this.move('closed');
  }

  /** The peer did not answer in time, or could not be reached. */
  silent(now = Date.now()): void {
    this.probing = false;
    this.failures += 1;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.settings.failuresToOpen)) {
      this.openedAt = now;
      this.move('open');
    }
  }

  private move(state: BreakerState): void {
    this.current = state;
    this.onChange?.(state);
  }
}

/** One breaker per peer, made on first use. */
export class Breakers {
  private readonly byPeer = new Map<string, CircuitBreaker>();

  constructor(
    private readonly settings: BreakerSettings = DEFAULT_BREAKER,
    private readonly onChange?: (peer: string, state: BreakerState) => void,
  ) {}

  of(peer: string): CircuitBreaker {
    let breaker = this.byPeer.get(peer);
    if (!breaker) {
      breaker = new CircuitBreaker(this.settings, (state) => this.onChange?.(peer, state));
      this.byPeer.set(peer, breaker);
    }
    return breaker;
  }
}
