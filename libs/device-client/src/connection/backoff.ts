/** Bounds of the jittered exponential reconnect delay, in milliseconds. */
export interface ReconnectOptions {
  /** Delay bound of the first retry. Default 500. */
  minMs?: number;
  /** Largest delay. Default 30 000. */
  maxMs?: number;
}

/** Default reconnect bounds. */
export const DEFAULT_RECONNECT = { minMs: 500, maxMs: 30_000 } as const;

/**
 * The delay before retry number `attempt` (0 for the first retry): an exponential bound
 * `min(maxMs, minMs · 2^attempt)` with "equal jitter", uniformly between half the bound and the
 * bound. The jitter spreads a fleet that lost its broker at the same moment (docs/protocol.md §2.4),
 * the half keeps a device from hammering the broker with near-zero delays.
 * @example reconnectDelay(3, { minMs: 500, maxMs: 30_000 }, Math.random) // between 2000 and 4000
 */
export function reconnectDelay(attempt: number, options: ReconnectOptions, random: () => number): number {
  const minMs = Math.max(1, options.minMs ?? DEFAULT_RECONNECT.minMs);
  const maxMs = Math.max(minMs, options.maxMs ?? DEFAULT_RECONNECT.maxMs);
  const bound = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(bound / 2 + random() * (bound / 2));
}
