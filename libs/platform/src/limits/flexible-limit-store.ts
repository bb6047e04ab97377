import { hash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimitRule, LimitState, LimitStore, Limiter } from './limit-store.port';

/** Options rate-limiter-flexible takes for one rule (its own names). */
export interface FlexibleLimiterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
  blockDuration: number;
}

/** Builds the rate-limiter-flexible limiter (memory, SQLite, PostgreSQL…) of one rule. */
export type FlexibleLimiterFactory = (options: FlexibleLimiterOptions) => RateLimiterAbstract;

// Store keys stay short (PostgreSQL's key column is varchar(255)): longer ones are hashed.
const MAX_PLAIN_KEY = 120;
const storeKey = (key: string) => (key.length <= MAX_PLAIN_KEY ? key : `sha256:${hash('sha256', key, 'base64url')}`);

const RULE_NAME = /^[a-z0-9_]{1,40}$/i;

class FlexibleLimiter implements Limiter {
  constructor(
    readonly rule: LimitRule,
    private readonly limiter: RateLimiterAbstract,
  ) {}

  async consume(key: string): Promise<LimitState> {
    try {
      const res = await this.limiter.consume(storeKey(key));
      return { allowed: true, remaining: res.remainingPoints, retryAfterMs: 0 };
    } catch (outcome) {
      // rate-limiter-flexible rejects with a RateLimiterRes when the key is over its points,
      // and with an Error when the store failed.
      if (outcome instanceof RateLimiterRes) return refused(outcome);
      throw outcome;
    }
  }

  async check(key: string): Promise<LimitState> {
    const res = await this.limiter.get(storeKey(key));
    if (!res) return { allowed: true, remaining: this.rule.points, retryAfterMs: 0 };
    if (res.consumedPoints > this.rule.points) return refused(res);
    return { allowed: true, remaining: Math.max(0, this.rule.points - res.consumedPoints), retryAfterMs: 0 };
  }

  async block(key: string): Promise<LimitState> {
    const res = await this.limiter.block(storeKey(key), this.rule.blockSeconds ?? this.rule.windowSeconds);
    return refused(res);
  }

  async refund(key: string): Promise<void> {
    await this.limiter.reward(storeKey(key), 1);
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(storeKey(key));
  }
}

function refused(res: RateLimiterRes): LimitState {
  // msBeforeNext is -1 for a key without expiry; a blocked key always has one here.
  return { allowed: false, remaining: 0, retryAfterMs: Math.max(0, res.msBeforeNext) };
}

/**
 * A {@link LimitStore} over rate-limiter-flexible: each rule becomes one of its limiters
 * (`points` per `duration`, `blockDuration` once over), built by `make` for the store at
 * hand, so the counting, windows and blocks are the library's and only the store differs.
 *
 * @param make builds the library's limiter for one rule (e.g. `new RateLimiterPostgres({...options, storeClient})`).
 * @param deleteExpired how the store deletes counters that ended (a no-op where the store expires them itself).
 * @example
 * const limits = createFlexibleLimitStore((options) => new RateLimiterMemory(options));
 * const state = await limits.limiter({ name: 'login', points: 5, windowSeconds: 60 }).consume('203.0.113.7');
 */
export function createFlexibleLimitStore(
  make: FlexibleLimiterFactory,
  deleteExpired: (before: number) => Promise<void> = async () => {},
): LimitStore {
  const limiters = new Map<string, FlexibleLimiter>();
  return {
    limiter(rule) {
      if (!RULE_NAME.test(rule.name)) throw new Error(`limit name must be letters, digits and _: ${rule.name}`);
      const id = `${rule.name}/${rule.points}/${rule.windowSeconds}/${rule.blockSeconds ?? 0}`;
      let limiter = limiters.get(id);
      if (!limiter) {
        const made = make({
          keyPrefix: rule.name,
          points: rule.points,
          duration: rule.windowSeconds,
          blockDuration: rule.blockSeconds ?? 0,
        });
        limiters.set(id, (limiter = new FlexibleLimiter(rule, made)));
      }
      return limiter;
    },
    deleteExpired,
  };
}

/**
 * Counters in this process's memory (rate-limiter-flexible's RateLimiterMemory), for the
 * in-memory stores: one process, nothing kept across restarts. Expired counters are
 * dropped by the library itself.
 */
export function createMemoryLimitStore(): LimitStore {
  return createFlexibleLimitStore((options) => new RateLimiterMemory(options));
}
