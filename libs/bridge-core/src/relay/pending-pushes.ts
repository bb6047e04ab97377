import type { RequestLedger } from './request-ledger';

/** A request whose push may arrive: found by the hash of its notification token. */
export interface PendingPush {
  deviceId: string;
  requestId: string;
  tokenHash: string;
  authReqId?: string;
  /** When the auth request expires at the provider (ms); unset until the provider has answered. */
  authExpiresAt?: number;
}

/**
 * The requests of this process that wait for the provider's push, by notification token hash.
 * It saves the push path a database read and tells the expiry check what to look at; a push for
 * a request this process does not hold (another replica relayed it, or the bridge restarted) is
 * found in the ledger instead ({@link lookup}).
 */
export class PendingPushes {
  private readonly byTokenHash = new Map<string, PendingPush>();
  private trackedListener: (() => void) | undefined;

  constructor(private readonly ledger: RequestLedger) {}

  /** Called after each {@link track} (the expiry check arms its timer). */
  onTracked(listener: () => void): void {
    this.trackedListener = listener;
  }

  track(pending: PendingPush): void {
    this.byTokenHash.set(pending.tokenHash, pending);
    this.trackedListener?.();
  }

  /** Records the provider's acknowledgement: from here on the request can expire. */
  acknowledged(tokenHash: string, ack: { authReqId: string; authExpiresAt: number }): void {
    const pending = this.byTokenHash.get(tokenHash);
    if (pending) Object.assign(pending, ack);
  }

  get(tokenHash: string): PendingPush | undefined {
    return this.byTokenHash.get(tokenHash);
  }

  /** The pending push of a token hash, from this process or else from the ledger. */
  async lookup(tokenHash: string): Promise<PendingPush | undefined> {
    const held = this.byTokenHash.get(tokenHash);
    if (held) return held;
    const record = await this.ledger.findByNotificationTokenHash(tokenHash);
    if (!record || record.notificationTokenHash === undefined) return undefined;
    return {
      deviceId: record.deviceId,
      requestId: record.requestId,
      tokenHash: record.notificationTokenHash,
      ...(record.authReqId === undefined ? {} : { authReqId: record.authReqId }),
    };
  }

  delete(tokenHash: string): void {
    this.byTokenHash.delete(tokenHash);
  }

  /** Deletes `pending` unless a newer entry took its token hash. */
  settle(pending: PendingPush): void {
    if (this.byTokenHash.get(pending.tokenHash) === pending) this.byTokenHash.delete(pending.tokenHash);
  }

  /** Acknowledged requests whose expiry lies at or before `deadline`. */
  expiredBy(deadline: number): PendingPush[] {
    return [...this.byTokenHash.values()].filter((p) => p.authExpiresAt !== undefined && p.authExpiresAt <= deadline);
  }

  get size(): number {
    return this.byTokenHash.size;
  }
}
