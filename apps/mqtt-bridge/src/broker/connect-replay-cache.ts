import type { Clock } from '@onboard/platform';

/**
 * Remembers the `jti` of every accepted connect credential until it expires, so a captured
 * credential cannot open a second connection.
 */
export interface ConnectReplayCache {
  /** Records `key`; false when it was already recorded and has not expired yet. */
  useOnce(key: string, expiresAt: number): Promise<boolean>;
}

/** In-memory {@link ConnectReplayCache}; entries are swept as they expire. */
export class MemoryConnectReplayCache implements ConnectReplayCache {
  private readonly seen = new Map<string, number>();
  private sweptAt = 0;

  constructor(private readonly clock: Clock) {}

  async useOnce(key: string, expiresAt: number): Promise<boolean> {
    const now = this.clock.now();
    this.sweep(now);
    const known = this.seen.get(key);
    if (known !== undefined && known > now) return false;
    this.seen.set(key, expiresAt);
    return true;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < 10_000) return;
    this.sweptAt = now;
    for (const [key, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(key);
  }
}
