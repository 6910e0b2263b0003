import type { Caller } from '../subgraphs/common/platform/auth/caller';
import { RefusedBeforeParsing } from '../subgraphs/common/platform/http/http-server';

/**
 * A request rate per caller (token bucket): each caller (role and subject of their token) may send
 * `burst` requests at once and `perSecond` a second after that; past it, HTTP 429 with
 * Retry-After, before the request is parsed.
 */
export interface RateLimitConfig {
  perSecond: number;
  burst: number;
}

const MAX_CALLERS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Takes one request from the caller's bucket, or refuses with 429 and the seconds to wait. */
  take(caller: Caller): void {
    const key = `${caller.role}:${'province' in caller ? caller.province : ''}:${caller.subject}`;
    const now = this.nowMs();
    const bucket = this.buckets.get(key) ?? { tokens: this.config.burst, atMs: now };
    bucket.tokens = Math.min(this.config.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * this.config.perSecond);
    bucket.atMs = now;
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.config.perSecond));
      this.buckets.set(key, bucket);
      throw new RefusedBeforeParsing(
        429,
        'RATE_LIMITED',
        `Too many requests: at most ${this.config.perSecond} a second. Try again in ${retryAfter} s.`,
        {
          'retry-after': String(retryAfter),
        },
      );
    }
    bucket.tokens -= 1;
    if (!this.buckets.has(key) && this.buckets.size >= MAX_CALLERS) this.forgetFullBuckets(now);
    this.buckets.set(key, bucket);
  }

  /** Callers whose bucket has refilled are as good as new: forgetting them changes nothing. */
  private forgetFullBuckets(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.atMs) / 1000) * this.config.perSecond >= this.config.burst)
        this.buckets.delete(key);
    }
  }
}

const PRODUCTION_RATE_PER_SECOND = 20;

/**
 * The limit the configuration asks for (RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST, both checked
 * positive by gateway/config.ts): on by default in production (20/s, burst 40), `off` turns it off.
 */
export function rateLimitFrom(settings: {
  production: boolean;
  perSecond?: number | 'off';
  burst?: number;
}): RateLimitConfig | undefined {
  if (settings.perSecond === 'off' || (settings.perSecond === undefined && !settings.production)) return undefined;
  const perSecond = settings.perSecond ?? PRODUCTION_RATE_PER_SECOND;
  return { perSecond, burst: settings.burst ?? Math.max(1, 2 * perSecond) };
}
