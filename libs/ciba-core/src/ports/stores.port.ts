import type { ApprovalAssertion, OwnerInvitation, OwnerSession, Passkey, WebAuthnChallenge } from '../domain/passkey';
import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import type { Owner, OwnerDevice } from '../domain/owner';
import type { EncryptionKeyRecord, OutboxMessage, RefreshTokenRecord, SigningKeyRecord } from '../domain/tokens';
import type { PushSubscriptionRecord, VapidKeyRecord } from '../domain/owner-push';
import type { LimitStore } from '@onboard/platform';

/**
 * Persistence ports. Every implementation (in-memory, SQLite, PostgreSQL) passes
 * the one contract suite in libs/provider-store/src/testing/store-contract.ts.
 * Times are epoch milliseconds.
 */
export interface ClientStore {
  save(client: Client): Promise<void>;
  find(clientId: string): Promise<Client | undefined>;
  list(): Promise<Client[]>;
  delete(clientId: string): Promise<void>;
}

export interface OwnerStore {
  save(owner: Owner): Promise<void>;
  find(sub: string): Promise<Owner | undefined>;
  /** Match a login_hint: email (case-insensitive), phone number, username or sub. */
  findByHint(hint: string): Promise<Owner | undefined>;
  list(): Promise<Owner[]>;
  saveDevice(device: OwnerDevice): Promise<void>;
  findDeviceByCredentialHash(credentialHash: string): Promise<OwnerDevice | undefined>;
  listDevices(sub: string): Promise<OwnerDevice[]>;
}

/** Extra conditions of {@link AuthRequestStore.transition}, all of which must hold. */
export interface TransitionGuard {
  /** The request belongs to this owner. */
  sub?: string;
  /** The request was made by this client. */
  clientId?: string;
  /** The request has not expired at this time (expiresAt > liveAt). */
  liveAt?: number;
  /** The request is bound to no DPoP key, or to this one (`null`: to none). */
  dpopJktAllowed?: string | null;
}

export interface AuthRequestStore {
  create(request: AuthRequest): Promise<void>;
  find(id: string): Promise<AuthRequest | undefined>;
  findByAuthReqIdHash(hash: string): Promise<AuthRequest | undefined>;
  /**
   * The request `clientId` made with the signed request object whose sha-256 is `hash`
   * (`requestObjectHash`): a repeat of the same request object is answered with it.
   */
  findByRequestObjectHash(clientId: string, hash: string): Promise<AuthRequest | undefined>;
  /** Pending, unexpired requests of an owner, oldest first. */
  listPendingForOwner(sub: string, now: number): Promise<AuthRequest[]>;
  /**
   * Pending, unexpired requests of an owner, newest first (`createdAt`, then `id`, both
   * descending), at most `page.limit`; with `page.before`, only those that come after
   * that position in this order (a cursor).
   */
  pagePendingForOwner(sub: string, now: number, page: PendingPage): Promise<AuthRequest[]>;
  /**
   * The owner's past requests: answered (any status but `pending`) or expired at `now`,
   * newest first (`createdAt`, then `id`, both descending), at most `page.limit`; with
   * `page.before`, only those after that position in this order (the history's cursor).
   */
  pageHistoryForOwner(sub: string, now: number, page: PendingPage): Promise<AuthRequest[]>;
  /**
   * Create `request` only if its owner has fewer than `limit` pending, unexpired (at `now`)
   * requests. The count and the insert are one atomic step for every process sharing the
   * store (PostgreSQL: under a per-owner transaction lock), so concurrent creations never
   * exceed the limit. Returns false, creating nothing, when the owner is at the limit.
   */
  createIfFewerPending(request: AuthRequest, limit: number, now: number): Promise<boolean>;
  /**
   * Compare-and-set: apply `patch` only if the row's status is still `from` (and every
   * condition of `guard` holds). `key` is the request's id or `{ authReqIdHash }`.
   * Returns the updated request, or undefined if the status had changed (lost race) or
   * a guard failed; the row is then unchanged.
   */
  transition(
    key: string | { authReqIdHash: string },
    from: AuthRequest['status'],
    patch: Partial<AuthRequest>,
    guard?: TransitionGuard,
  ): Promise<AuthRequest | undefined>;
  /** Pending ping/push requests whose expiresAt <= now (to notify the client of expiry), oldest first. */
  listExpiredPendingWithDelivery(now: number, limit: number): Promise<AuthRequest[]>;
  /** Record a poll (lastPolledAt / interval) without touching status. */
  touchPoll(id: string, lastPolledAt: number, interval: number): Promise<void>;
  /** Delete requests expired before `before` (uses the expires_at index). Returns count. */
  deleteExpired(before: number): Promise<number>;
}

/** A page of an owner's pending requests (see {@link AuthRequestStore.pagePendingForOwner}). */
export interface PendingPage {
  limit: number;
  /** Only requests after this one in newest-first order. */
  before?: { createdAt: number; id: string };
}

/** Consume-once markers: request-object jti, client-assertion jti, DPoP proof jti. */
export interface ReplayStore {
  /** True if `key` was unseen and is now recorded until `expiresAt`; false if seen before. */
  consume(key: string, expiresAt: number): Promise<boolean>;
  deleteExpired(before: number): Promise<number>;
}

export interface RefreshTokenStore {
  save(record: RefreshTokenRecord): Promise<void>;
  find(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Atomically mark as used; false if it already was (reuse). */
  markUsed(tokenHash: string, at: number): Promise<boolean>;
  revokeFamily(familyId: string): Promise<void>;
  /** Revoke every refresh token of a client (the client was disabled). Returns how many were unrevoked before. */
  revokeClient(clientId: string): Promise<number>;
  /** Revoke every refresh token of an owner (the owner was disabled). Returns how many were unrevoked before. */
  revokeSubject(sub: string): Promise<number>;
  /**
   * The owner's live refresh tokens: not revoked, not yet rotated (no `usedAt`) and not
   * expired at `now`; one per grant family. Oldest `createdAt` first.
   */
  listActiveForSubject(sub: string, now: number): Promise<RefreshTokenRecord[]>;
  deleteExpired(before: number): Promise<number>;
}

/** Revoked access-token ids (jti), kept until the token would have expired. */
export interface RevocationStore {
  revoke(jti: string, expiresAt: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
  /** Grant families revoked (refresh token reuse or revocation): their access tokens are dead too. */
  revokeFamily(familyId: string, expiresAt: number): Promise<void>;
  isFamilyRevoked(familyId: string): Promise<boolean>;
  deleteExpired(before: number): Promise<number>;
}

export interface SigningKeyStore {
  list(): Promise<SigningKeyRecord[]>;
  save(key: SigningKeyRecord): Promise<void>;
  delete(kid: string): Promise<void>;
}

/** The provider's encryption keys (request objects encrypted to the provider, RFC 9101 §6.1). */
export interface EncryptionKeyStore {
  /** Every key, oldest first. */
  list(): Promise<EncryptionKeyRecord[]>;
  save(key: EncryptionKeyRecord): Promise<void>;
  delete(kid: string): Promise<void>;
}

export interface OutboxStore {
  enqueue(message: OutboxMessage): Promise<void>;
  /** Pending messages due at or before `now`, oldest first. */
  due(now: number, limit: number): Promise<OutboxMessage[]>;
  /**
   * The earliest `nextAttemptAt` among pending messages (due or not, leased or not), or
   * undefined when none is pending: when a worker next has something to do. The SQL
   * stores read it from the pending-only index, without a table scan.
   */
  nextDueAt(): Promise<number | undefined>;
  find(id: string): Promise<OutboxMessage | undefined>;
  update(id: string, patch: Partial<OutboxMessage>): Promise<void>;
  /**
   * Take a delivery lease (compare-and-set): only if the message is `pending` and due
   * (nextAttemptAt <= now), set nextAttemptAt = `until` and attempts = attempts + 1 and
   * return the updated message; otherwise undefined (another worker holds it). Atomic
   * across workers and processes sharing the store: of concurrent leases of one due
   * message, exactly one wins.
   */
  lease(id: string, now: number, until: number): Promise<OutboxMessage | undefined>;
  /**
   * Retention: delete up to `limit` finished messages (`delivered` or `failed`) created
   * before `before`, oldest first, and return how many. Pending messages are never
   * deleted, however old. The SQL stores find them by primary-key range (ids are UUIDv7,
   * time-ordered) instead of an index of their own, so a message whose id is not a UUIDv7
   * minted before `before` (earlier versions used random UUIDs) may be kept longer.
   */
  deleteFinished(before: number, limit: number): Promise<number>;
}

/** Audit trail of security events (request created, approved, denied, tokens issued…). */
export interface AuditEvent {
  id: string;
  at: number;
  /** `entity.past_tense`, e.g. `auth_request.approved`. */
  type: string;
  clientId?: string;
  sub?: string;
  authRequestId?: string;
  /** Never tokens or secrets. */
  data?: Record<string, unknown>;
  /** Hash chain (set by the store on append): the previous entry's `hash`, and this entry's. */
  prevHash?: string;
  hash?: string;
}
export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  /**
   * Matching events (both filters apply when given), oldest `at` first; events with the
   * same `at` come in the order they were appended. `limit` keeps the oldest ones.
   */
  list(filter: { authRequestId?: string; sub?: string; limit?: number }): Promise<AuditEvent[]>;
  /** Every event in append order (the hash chain's order), for `audit verify`. */
  chain(): Promise<AuditEvent[]>;
}

/**
 * The owner app's passkeys, invitations, sessions, pending WebAuthn challenges and
 * approval assertions (domain/passkey.ts). Lists are ordered by createdAt, then id.
 */
export interface PasskeyStore {
  saveInvitation(invitation: OwnerInvitation): Promise<void>;
  findInvitation(tokenHash: string): Promise<OwnerInvitation | undefined>;
  /** Marks the invitation used if it is unused and unexpired at `now`; false otherwise (single use). */
  useInvitation(id: string, now: number): Promise<boolean>;
  savePasskey(passkey: Passkey): Promise<void>;
  findPasskey(id: string): Promise<Passkey | undefined>;
  findPasskeyByCredentialId(credentialId: string): Promise<Passkey | undefined>;
  /** The owner's passkeys, removed ones included. */
  listPasskeys(sub: string): Promise<Passkey[]>;
  /** Records a verified use: the new signature counter and when. */
  recordUse(id: string, counter: number, at: number): Promise<void>;
  /** Marks the passkey removed and ends its sessions; false when it was not there or already removed. */
  removePasskey(id: string, at: number): Promise<boolean>;
  saveSession(session: OwnerSession): Promise<void>;
  findSession(tokenHash: string): Promise<OwnerSession | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  saveChallenge(challenge: WebAuthnChallenge): Promise<void>;
  /** Returns and deletes the challenge (each is answered at most once); undefined when absent. */
  takeChallenge(id: string): Promise<WebAuthnChallenge | undefined>;
  saveAssertion(assertion: ApprovalAssertion): Promise<void>;
  findAssertion(authRequestId: string): Promise<ApprovalAssertion | undefined>;
  listAssertions(): Promise<ApprovalAssertion[]>;
  /** Deletes expired sessions, challenges and invitations. */
  deleteExpired(before: number): Promise<number>;
}

/**
 * Web Push for the owner app: the provider's VAPID key and the owner devices' push
 * subscriptions (domain/owner-push.ts). Subscriptions are listed by createdAt, then id.
 */
export interface OwnerPushStore {
  /** The stored VAPID keys (at most one), for loading and for re-wrapping under a new KEK. */
  listVapidKeys(): Promise<VapidKeyRecord[]>;
  /** Insert `key` unless a key with its kid exists (first start; of racing processes one wins). True if inserted. */
  addVapidKey(key: VapidKeyRecord): Promise<boolean>;
  /** Replace a stored key (re-wrapped under another KEK). */
  saveVapidKey(key: VapidKeyRecord): Promise<void>;
  /**
   * Store a subscription; one with the same endpoint is replaced (the browser subscribed
   * again, possibly for another device or owner signed in on it).
   */
  saveSubscription(subscription: PushSubscriptionRecord): Promise<void>;
  findSubscription(id: string): Promise<PushSubscriptionRecord | undefined>;
  /** The owner's subscriptions, every device's. */
  listSubscriptions(sub: string): Promise<PushSubscriptionRecord[]>;
  /** Delete one subscription; false when it was not there. */
  deleteSubscription(id: string): Promise<boolean>;
  /** Delete the subscription of `endpoint` if it belongs to owner `sub`; false when there was none. */
  deleteSubscriptionByEndpoint(sub: string, endpoint: string): Promise<boolean>;
  /** Delete every subscription of an owner device (the device was removed). Returns how many. */
  deleteDeviceSubscriptions(deviceId: string): Promise<number>;
}

/** All stores, as one bundle handed to the core. */
export interface Stores {
  clients: ClientStore;
  owners: OwnerStore;
  authRequests: AuthRequestStore;
  replay: ReplayStore;
  refreshTokens: RefreshTokenStore;
  revocations: RevocationStore;
  signingKeys: SigningKeyStore;
  encryptionKeys: EncryptionKeyStore;
  outbox: OutboxStore;
  audit: AuditStore;
  passkeys: PasskeyStore;
  push: OwnerPushStore;
  /** Counters of the guessing and flooding limits (not part of transactions). */
  limits: LimitStore;
  /** Run `fn` in one transaction where the backend supports it. */
  transaction<T>(fn: (stores: Stores) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
