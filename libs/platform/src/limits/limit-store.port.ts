/**
 * Counters that limit guessing and flooding (user codes, new requests per owner, failed
 * authentications per source). Implementations keep them where every replica sees them:
 * the in-memory store for one process, the database for SQLite and PostgreSQL.
 */

/** One limit: at most `points` attempts per key within `windowSeconds`. */
export interface LimitRule {
  /** Distinguishes the limits that share one store (a key prefix); letters, digits and `_`. */
  name: string;
  /** Attempts a key may make within the window. */
  points: number;
  /** The window, counted from a key's first attempt (seconds). */
  windowSeconds: number;
  /** Once a key is over its points, it stays refused this long (seconds); default: until its window ends. */
  blockSeconds?: number;
}

/** What a limiter says about a key. */
export interface LimitState {
  /** False while the key is over its limit: the attempt is refused. */
  allowed: boolean;
  /** Attempts left in the current window (0 when refused). */
  remaining: number;
  /** When refused: milliseconds until the key is admitted again (0 when allowed). */
  retryAfterMs: number;
}

/** The counter of one {@link LimitRule}. Keys are opaque strings (a sub, a client id, an address). */
export interface Limiter {
  readonly rule: LimitRule;
  /**
   * Count one attempt of `key`, atomically across every process sharing the store. The
   * attempt that goes over `points` is refused and, with `blockSeconds`, blocks the key.
   */
  consume(key: string): Promise<LimitState>;
  /** The state of `key` without counting an attempt: refused while blocked or over its points. */
  check(key: string): Promise<LimitState>;
  /** Refuse `key` from now on for `blockSeconds` (or the window), whatever its count. */
  block(key: string): Promise<LimitState>;
  /** Give one attempt back (it turned out not to count, e.g. a right user code). */
  refund(key: string): Promise<void>;
  /** Forget `key`: its count and any block (an unlock). */
  reset(key: string): Promise<void>;
}

/** Where the limiters keep their counters; part of {@link Stores}. */
export interface LimitStore {
  /** The limiter of `rule`; the same rule name always yields the same counters. */
  limiter(rule: LimitRule): Limiter;
  /** Delete counters whose window and block ended before `before` (epoch ms). */
  deleteExpired(before: number): Promise<void>;
}
