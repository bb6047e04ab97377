import type { Clock } from '@onboard/platform';

/** Options of a {@link TokenBucketLimiter}. */
export interface TokenBucketOptions {
  /** Tokens available at once (burst). */
  capacity: number;
  /** Tokens added per second (sustained rate). */
  refillPerSecond: number;
  /** Keys tracked at most; full (idle) buckets are forgotten first. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (remote address, client id, device id). Memory stays bounded: when more
 * than `maxKeys` keys are tracked, buckets that have refilled completely are dropped, and if that
 * is not enough the new key is refused.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;

  constructor(
    private readonly clock: Clock,
    private readonly options: TokenBucketOptions,
  ) {
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** Takes one token for `key`; false when the key is over its rate. */
  take(key: string): boolean {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys && !this.forgetIdle(now)) return false;
      bucket = { tokens: this.options.capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      this.refill(bucket, now);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket, now: number): void {
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + elapsed * this.options.refillPerSecond);
    bucket.updatedAt = now;
  }

  private forgetIdle(now: number): boolean {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.options.capacity) this.buckets.delete(key);
    }
    return this.buckets.size < this.maxKeys;
  }
}
