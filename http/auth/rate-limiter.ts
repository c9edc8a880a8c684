/** Token-bucket settings: `perSecond` on average, `burst` at once. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One token bucket per key (a job uuid), in memory: a process-local guard against a runaway
 * callback loop, not a quota. Buckets that have refilled completely carry no information and
 * are dropped when the table grows past `maxKeys`, so memory stays bounded.
 */
export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: RateLimit, maxKeys = 100_000) {
    this.#limit = limit;
    this.#maxKeys = maxKeys;
  }

  /** Takes one token for `key`: 0 when allowed, else the seconds until one is available. */
  take(key: string, nowMs: number): number {
    const { perSecond, burst } = this.#limit;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: nowMs };
    bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond);
    bucket.at = nowMs;
    if (bucket.tokens < 1) {
      this.#buckets.set(key, bucket);
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    }
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) this.#prune(nowMs);
    return 0;
  }

  #prune(nowMs: number): void {
    const { perSecond, burst } = this.#limit;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond >= burst) this.#buckets.delete(key);
    }
    // Every bucket still draining: forget the oldest, which at worst lets one job burst again.
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxKeys) break;
      this.#buckets.delete(key);
    }
  }
}
