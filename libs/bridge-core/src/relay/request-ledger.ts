import type { Clock } from '@onboard/platform';
import type { NewRelayRecord, RelayClaim, RelayLedger, RelayOutcome, RelayRecord } from '../ports/relay-ledger.port';

/** Default retention of ledger entries. */
export const DEFAULT_RELAY_RETENTION_MS = 24 * 60 * 60_000;

/**
 * The request ledger as the relay uses it: the store's compare-and-set transitions stamped with
 * the clock, the relays in progress in this process, and the retention sweep. A relay in
 * progress is announced with {@link begin}; a repeat of the same request, or a push that
 * overtook the provider's answer, waits for it with {@link settled} instead of relaying again or
 * publishing before the acknowledgement.
 *
 * @example
 * const ledger = new RequestLedger(store.relays, clock);
 * const done = ledger.begin('hu-7f3a', 'r1');
 * try { ... } finally { done(); }
 */
export class RequestLedger {
  /** Relays in progress in this process, by ledger key; resolved when the relay has answered. */
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(
    private readonly store: RelayLedger,
    private readonly clock: Clock,
    private readonly retentionMs = DEFAULT_RELAY_RETENTION_MS,
  ) {}

  /** Creates the entry (state `relayed`) unless the key exists; see {@link RelayLedger.claim}. */
  claim(entry: Omit<NewRelayRecord, 'createdAt'>): Promise<RelayClaim> {
    return this.store.claim({ ...entry, createdAt: this.clock.now() });
  }

  find(deviceId: string, requestId: string): Promise<RelayRecord | undefined> {
    return this.store.find(deviceId, requestId);
  }

  findByNotificationTokenHash(hash: string): Promise<RelayRecord | undefined> {
    return this.store.findByNotificationTokenHash(hash);
  }

  acknowledge(
    deviceId: string,
    requestId: string,
    ack: { authReqId: string; authExpiresAt: number },
  ): Promise<RelayRecord | undefined> {
    return this.store.acknowledge(deviceId, requestId, ack, this.clock.now());
  }

  /** Compare-and-set: false when a result is already stored or the request was cancelled. */
  storeOutcome(deviceId: string, requestId: string, outcome: RelayOutcome, authReqId?: string): Promise<boolean> {
    return this.store.storeOutcome(deviceId, requestId, outcome, this.clock.now(), authReqId);
  }

  markDelivered(deviceId: string, requestId: string): Promise<boolean> {
    return this.store.markDelivered(deviceId, requestId, this.clock.now());
  }

  cancel(deviceId: string, requestId: string): Promise<RelayRecord | undefined> {
    return this.store.cancel(deviceId, requestId, this.clock.now());
  }

  /** Forgets an entry the provider never answered, so that the device's retry relays it anew. */
  release(deviceId: string, requestId: string): Promise<void> {
    return this.store.release(deviceId, requestId);
  }

  undelivered(deviceId: string): Promise<RelayRecord[]> {
    return this.store.undelivered(deviceId);
  }

  /** Marks a relay of (deviceId, requestId) as in progress; call the returned function when it has answered. */
  begin(deviceId: string, requestId: string): () => void {
    const key = ledgerKey(deviceId, requestId);
    let open!: () => void;
    this.inflight.set(key, new Promise<void>((resolve) => (open = resolve)));
    return () => {
      this.inflight.delete(key);
      open();
    };
  }

  /** Resolves when the relay in progress for (deviceId, requestId) has answered; undefined when none runs here. */
  settled(deviceId: string, requestId: string): Promise<void> | undefined {
    return this.inflight.get(ledgerKey(deviceId, requestId));
  }

  /** Deletes entries not changed within the retention time; returns how many. */
  sweep(): Promise<number> {
    return this.store.purge(this.clock.now() - this.retentionMs);
  }
}

function ledgerKey(deviceId: string, requestId: string): string {
  return `${deviceId} ${requestId}`;
}
