/** What a ledger entry relays: a verification request (CIBA §7.1) or a refresh (RFC 6749 §6). */
export type RelayKind = 'verification' | 'refresh';

/**
 * States of a ledger entry:
 * `relayed` (sent to the provider, no answer yet) → `acknowledged` (the provider returned an
 * `auth_req_id`, CIBA §7.3) → `result_ready` (the outcome is stored and published to the device,
 * redelivered on every reconnect) → `delivered` (the device confirmed it with `requests/result-ack`);
 * or `cancelled` by the device (a later result is never delivered).
 * A refresh, and a verification the provider refused outright, go from `relayed` to `result_ready`.
 */
export const RELAY_STATES = ['relayed', 'acknowledged', 'result_ready', 'delivered', 'cancelled'] as const;
export type RelayState = (typeof RELAY_STATES)[number];

/** The final outcome of a relayed request, as stored (camelCase, no wire names). */
export type RelayOutcome =
  | {
      status: 'approved' | 'refreshed';
      /** The provider's token response as one compact JWE, encrypted to the device. */
      encryptedTokenResponse: string;
    }
  | {
      status: 'denied' | 'expired' | 'failed';
      /** An OAuth error code (CIBA §11, §13; RFC 6749 §5.2). */
      error: string;
      errorDescription?: string;
    };

/** A ledger entry, keyed by (deviceId, requestId). */
export interface RelayRecord {
  deviceId: string;
  /** Device-chosen id (docs/protocol.md, "Idempotency"). */
  requestId: string;
  kind: RelayKind;
  /** Hash of the message's content; a reused request id with other content is refused. */
  fingerprint: string;
  state: RelayState;
  /**
   * base64url SHA-256 of the request's `client_notification_token` (CIBA §7.1); verification only.
   * The token itself is never stored.
   */
  notificationTokenHash?: string;
  /** The provider's `auth_req_id`, once known (CIBA §7.3). */
  authReqId?: string;
  /** When the auth request expires at the provider (ms since the epoch). */
  authExpiresAt?: number;
  /** The stored outcome, from `result_ready` on. */
  outcome?: RelayOutcome;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** A new ledger entry (always in state `relayed`). */
export type NewRelayRecord = Omit<RelayRecord, 'state' | 'authReqId' | 'authExpiresAt' | 'outcome' | 'updatedAt'>;

/** Outcome of {@link RelayLedger.claim}. */
export type RelayClaim =
  /** The entry was created: the caller relays the request. */
  | { outcome: 'created'; record: RelayRecord }
  /** An entry with this (deviceId, requestId) exists already: nothing is relayed again. */
  | { outcome: 'exists'; record: RelayRecord }
  /** Another entry uses the same notification token hash: refused. */
  | { outcome: 'token_in_use' };

/**
 * The request ledger: one entry per (deviceId, requestId), written before anything is sent to the
 * provider, so a repeated or redelivered request never creates a second auth request. Every
 * transition is a conditional update (compare-and-set on the state), atomic in every
 * implementation.
 */
export interface RelayLedger {
  /** Creates the entry in state `relayed`, unless one with the same key exists (returned then). */
  claim(record: NewRelayRecord): Promise<RelayClaim>;
  find(deviceId: string, requestId: string): Promise<RelayRecord | undefined>;
  /** The entry whose `notificationTokenHash` is `hash`. */
  findByNotificationTokenHash(hash: string): Promise<RelayRecord | undefined>;
  /**
   * Records the provider's acknowledgement: sets `authReqId` and `authExpiresAt` (when not set
   * yet) and moves `relayed` → `acknowledged`. Returns the entry afterwards; undefined when unknown.
   */
  acknowledge(
    deviceId: string,
    requestId: string,
    ack: { authReqId: string; authExpiresAt: number },
    at: number,
  ): Promise<RelayRecord | undefined>;
  /**
   * Stores the outcome: `relayed` | `acknowledged` → `result_ready` (also sets `authReqId` when
   * given and not set yet). False when the entry is unknown or in another state (cancelled, or a
   * result already stored), in which case nothing changes.
   */
  storeOutcome(
    deviceId: string,
    requestId: string,
    outcome: RelayOutcome,
    at: number,
    authReqId?: string,
  ): Promise<boolean>;
  /** The device confirmed the result: `result_ready` → `delivered`. False otherwise. */
  markDelivered(deviceId: string, requestId: string, at: number): Promise<boolean>;
  /**
   * The device cancelled: `relayed` | `acknowledged` | `result_ready` → `cancelled`. Returns the
   * entry afterwards (in any state); undefined when unknown.
   */
  cancel(deviceId: string, requestId: string, at: number): Promise<RelayRecord | undefined>;
  /** Deletes an entry still in state `relayed` (the relay failed before the provider answered). */
  release(deviceId: string, requestId: string): Promise<void>;
  /** The device's entries in state `result_ready`, oldest first: results to (re)deliver. */
  undelivered(deviceId: string): Promise<RelayRecord[]>;
  /** Deletes entries last updated before `before`; returns how many. */
  purge(before: number): Promise<number>;
}
