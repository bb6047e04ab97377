import type { Clock } from '@onboard/ciba-core';
import type { BridgeMessage } from '@onboard/mqtt-contract';

/** Outcome of {@link RequestLedger.claim}. */
export type RequestClaim =
  /** First time this id is seen: the caller does the work and calls `settle` with its reply. */
  | { kind: 'new'; settle(reply: BridgeMessage): void }
  /** Seen before with the same content: the first reply (once known) is sent again, nothing is redone. */
  | { kind: 'repeat'; reply: Promise<BridgeMessage> }
  /** Seen before with other content: refused with `request_id_reused`. */
  | { kind: 'conflict' };

interface Entry {
  fingerprint: string;
  reply: Promise<BridgeMessage>;
  expiresAt: number;
  cancelled: boolean;
}

export interface RequestLedgerOptions {
  /** How long a request id is remembered. */
  retentionMs: number;
  /** Request ids remembered per device; the oldest is forgotten first. */
  maxPerDevice: number;
}

/**
 * Idempotency by device-chosen request id (docs/protocol.md, "Idempotency"): a redelivered or
 * repeated message never starts a second verification; it gets the first reply again.
 * In memory for now; the relay to the provider makes it durable (next step).
 */
export class RequestLedger {
  private readonly byDevice = new Map<string, Map<string, Entry>>();

  constructor(
    private readonly clock: Clock,
    private readonly options: RequestLedgerOptions,
  ) {}

  /** Claims `requestId` of `deviceId` for a message whose content hashes to `fingerprint`. */
  claim(deviceId: string, requestId: string, fingerprint: string): RequestClaim {
    const entries = this.entries(deviceId);
    const existing = entries.get(requestId);
    if (existing)
      return existing.fingerprint === fingerprint ? { kind: 'repeat', reply: existing.reply } : { kind: 'conflict' };
    let settle!: (reply: BridgeMessage) => void;
    const reply = new Promise<BridgeMessage>((resolve) => (settle = resolve));
    if (entries.size >= this.options.maxPerDevice) entries.delete(entries.keys().next().value as string);
    entries.set(requestId, {
      fingerprint,
      reply,
      expiresAt: this.clock.now() + this.options.retentionMs,
      cancelled: false,
    });
    return { kind: 'new', settle };
  }

  /** Marks a request cancelled; false when the id is unknown. */
  cancel(deviceId: string, requestId: string): boolean {
    const entry = this.entries(deviceId).get(requestId);
    if (!entry) return false;
    entry.cancelled = true;
    return true;
  }

  /** True when the request was cancelled by the device. */
  isCancelled(deviceId: string, requestId: string): boolean {
    return this.entries(deviceId).get(requestId)?.cancelled ?? false;
  }

  private entries(deviceId: string): Map<string, Entry> {
    let entries = this.byDevice.get(deviceId);
    if (!entries) {
      entries = new Map();
      this.byDevice.set(deviceId, entries);
    }
    const now = this.clock.now();
    for (const [id, entry] of entries) {
      // insertion order is expiry order: stop at the first live entry
      if (entry.expiresAt > now) break;
      entries.delete(id);
    }
    return entries;
  }
}
