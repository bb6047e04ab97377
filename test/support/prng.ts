/**
 * A small seeded PRNG (mulberry32) so that fuzz failures reproduce: the seed is
 * printed by every fuzz suite and can be forced with FUZZ_SEED.
 */
export interface Prng {
  readonly seed: number;
  /** Float in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  bool(p?: number): boolean;
  bytes(n: number): Buffer;
  /** A string of `n` characters from `alphabet`. */
  string(n: number, alphabet?: string): string;
}

export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(items.length)],
    bool: (p = 0.5) => next() < p,
    bytes: (n) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = int(256);
      return out;
    },
    string: (n, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~') => {
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)];
      return s;
    },
  };
}

/** The seed for this run: FUZZ_SEED if set, otherwise derived from the clock. */
export function fuzzSeed(): number {
  const forced = process.env.FUZZ_SEED;
  if (forced !== undefined && /^\d+$/.test(forced)) return Number(forced) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}
