import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import type { Owner, OwnerDevice } from '../domain/owner';
import type { ApprovalAssertion, OwnerInvitation, OwnerSession, Passkey, WebAuthnChallenge } from '../domain/passkey';
import type { PushSubscriptionRecord, VapidKeyRecord } from '../domain/owner-push';
import type { EncryptionKeyRecord, OutboxMessage, RefreshTokenRecord, SigningKeyRecord } from '../domain/tokens';
import type {
  AuditEvent,
  AuditStore,
  AuthRequestStore,
  ClientStore,
  OutboxStore,
  OwnerPushStore,
  OwnerStore,
  PasskeyStore,
  PendingPage,
  RefreshTokenStore,
  ReplayStore,
  RevocationStore,
  SigningKeyStore,
  EncryptionKeyStore,
  Stores,
  TransitionGuard,
} from '../ports/stores.port';
import { createMemoryLimitStore } from '@onboard/platform';
import { ExpiryIndex } from './expiry-index';
import { chainAuditEvent } from '../audit/audit-chain';

/*
 * In-memory implementation of every store port (STYLE §3, §14). It passes the same
 * contract suite as the SQLite and PostgreSQL stores. Values are deep-copied on the
 * way in and out, so callers never hold a reference to stored state.
 *
 * Orderings (shared with the SQL stores):
 *  - clients, owners, devices, signing keys: createdAt, then key;
 *  - listPendingForOwner: createdAt, then id;
 *  - listExpiredPendingWithDelivery: expiresAt, then id;
 *  - outbox.due: nextAttemptAt, then createdAt, then id;
 *  - outbox.deleteFinished: createdAt (the SQL stores: id, which is time-ordered);
 *  - audit.list: at, then insertion order.
 */

const copy = <T>(value: T): T => structuredClone(value);

/** Merge a partial patch; a key present with `undefined` clears the field. */
function applyPatch<T extends object>(target: T, patch: Partial<T>): T {
  const next = { ...target } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = structuredClone(value);
  }
  return next as T;
}

function byCreatedThen<K extends string>(key: K) {
  return (a: { createdAt: number } & Record<K, string>, b: { createdAt: number } & Record<K, string>) =>
    a.createdAt - b.createdAt || (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0);
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Adds `id` to the set under `key`, creating the set when missing. */
function addToIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFromIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}

class MemoryClientStore implements ClientStore {
  private readonly rows = new Map<string, Client>();

  async save(client: Client): Promise<void> {
    this.rows.set(client.clientId, copy(client));
  }
  async find(clientId: string): Promise<Client | undefined> {
    const row = this.rows.get(clientId);
    return row && copy(row);
  }
  async list(): Promise<Client[]> {
    return [...this.rows.values()].sort(byCreatedThen('clientId')).map(copy);
  }
  async delete(clientId: string): Promise<void> {
    this.rows.delete(clientId);
  }
}

class MemoryOwnerStore implements OwnerStore {
  private readonly owners = new Map<string, Owner>();
  // Hint indexes: lower-cased email, phone number, username -> sub.
  private readonly byEmail = new Map<string, Set<string>>();
  private readonly byPhone = new Map<string, Set<string>>();
  private readonly byUsername = new Map<string, Set<string>>();
  private readonly devices = new Map<string, OwnerDevice>();
  private readonly devicesByCredential = new Map<string, string>();
  private readonly devicesBySub = new Map<string, Set<string>>();

  async save(owner: Owner): Promise<void> {
    const previous = this.owners.get(owner.sub);
    if (previous) this.unindex(previous);
    this.owners.set(owner.sub, copy(owner));
    if (owner.email) addToIndex(this.byEmail, owner.email.toLowerCase(), owner.sub);
    if (owner.phoneNumber) addToIndex(this.byPhone, owner.phoneNumber, owner.sub);
    if (owner.username) addToIndex(this.byUsername, owner.username, owner.sub);
  }

  private unindex(owner: Owner): void {
    if (owner.email) removeFromIndex(this.byEmail, owner.email.toLowerCase(), owner.sub);
    if (owner.phoneNumber) removeFromIndex(this.byPhone, owner.phoneNumber, owner.sub);
    if (owner.username) removeFromIndex(this.byUsername, owner.username, owner.sub);
  }

  async find(sub: string): Promise<Owner | undefined> {
    const row = this.owners.get(sub);
    return row && copy(row);
  }

  async findByHint(hint: string): Promise<Owner | undefined> {
    // Precedence when several owners could match: sub, email, username, phone number.
    const direct = this.owners.get(hint);
    if (direct) return copy(direct);
    for (const [index, key] of [
      [this.byEmail, hint.toLowerCase()],
      [this.byUsername, hint],
      [this.byPhone, hint],
    ] as const) {
      const subs = index.get(key);
      if (subs && subs.size > 0) {
        const sub = [...subs].sort(compareStrings)[0];
        return copy(this.owners.get(sub)!);
      }
    }
    return undefined;
  }

  async list(): Promise<Owner[]> {
    return [...this.owners.values()].sort(byCreatedThen('sub')).map(copy);
  }

  async saveDevice(device: OwnerDevice): Promise<void> {
    const previous = this.devices.get(device.id);
    if (previous) {
      this.devicesByCredential.delete(previous.credentialHash);
      removeFromIndex(this.devicesBySub, previous.sub, previous.id);
    }
    const holder = this.devicesByCredential.get(device.credentialHash);
    if (holder !== undefined && holder !== device.id) {
      throw new Error('owner device credential hash already in use');
    }
    this.devices.set(device.id, copy(device));
    this.devicesByCredential.set(device.credentialHash, device.id);
    addToIndex(this.devicesBySub, device.sub, device.id);
  }

  async findDeviceByCredentialHash(credentialHash: string): Promise<OwnerDevice | undefined> {
    const id = this.devicesByCredential.get(credentialHash);
    const row = id === undefined ? undefined : this.devices.get(id);
    return row && copy(row);
  }

  async listDevices(sub: string): Promise<OwnerDevice[]> {
    const ids = this.devicesBySub.get(sub);
    if (!ids) return [];
    return [...ids]
      .map((id) => this.devices.get(id)!)
      .sort(byCreatedThen('id'))
      .map(copy);
  }
}

class MemoryAuthRequestStore implements AuthRequestStore {
  private readonly rows = new Map<string, AuthRequest>();
  private readonly byHash = new Map<string, string>();
  /** Request ids by client id and request-object hash (repeats of a signed request). */
  private readonly byRequestObject = new Map<string, string>();
  /** Pending request ids per owner (the owner-device list). */
  private readonly pendingBySub = new Map<string, Set<string>>();
  /** Pending ping/push request ids (expiry notifications, CIBA §10.2, §10.3). */
  private readonly pendingWithDelivery = new Set<string>();
  private readonly expiry = new ExpiryIndex();

  private index(row: AuthRequest): void {
    if (row.status === 'pending') {
      addToIndex(this.pendingBySub, row.sub, row.id);
      if (row.deliveryMode !== 'poll') this.pendingWithDelivery.add(row.id);
    }
  }

  private unindex(row: AuthRequest): void {
    removeFromIndex(this.pendingBySub, row.sub, row.id);
    this.pendingWithDelivery.delete(row.id);
  }

  async create(request: AuthRequest): Promise<void> {
    if (this.rows.has(request.id)) throw new Error('auth request id already exists');
    if (this.byHash.has(request.authReqIdHash)) throw new Error('auth request hash already exists');
    const row = copy(request);
    this.rows.set(row.id, row);
    this.byHash.set(row.authReqIdHash, row.id);
    if (row.requestObjectHash !== undefined) this.byRequestObject.set(requestObjectKey(row), row.id);
    this.index(row);
    this.expiry.add(row.id, row.expiresAt);
  }

  async find(id: string): Promise<AuthRequest | undefined> {
    const row = this.rows.get(id);
    return row && copy(row);
  }

  async findByAuthReqIdHash(hash: string): Promise<AuthRequest | undefined> {
    const id = this.byHash.get(hash);
    const row = id === undefined ? undefined : this.rows.get(id);
    return row && copy(row);
  }

  async findByRequestObjectHash(clientId: string, hash: string): Promise<AuthRequest | undefined> {
    const id = this.byRequestObject.get(requestObjectKey({ clientId, requestObjectHash: hash }));
    const row = id === undefined ? undefined : this.rows.get(id);
    return row && copy(row);
  }

  async listPendingForOwner(sub: string, now: number): Promise<AuthRequest[]> {
    const ids = this.pendingBySub.get(sub);
    if (!ids) return [];
    const out: AuthRequest[] = [];
    for (const id of ids) {
      const row = this.rows.get(id)!;
      if (row.expiresAt > now) out.push(row);
    }
    return out.sort(byCreatedThen('id')).map(copy);
  }

  async pagePendingForOwner(sub: string, now: number, page: PendingPage): Promise<AuthRequest[]> {
    const newestFirst = (await this.listPendingForOwner(sub, now)).reverse();
    const { before } = page;
    const after = before
      ? newestFirst.filter(
          (r) => r.createdAt < before.createdAt || (r.createdAt === before.createdAt && r.id < before.id),
        )
      : newestFirst;
    return after.slice(0, Math.max(0, page.limit));
  }

  async pageHistoryForOwner(sub: string, now: number, page: PendingPage): Promise<AuthRequest[]> {
    const { before } = page;
    const past = [...this.rows.values()].filter(
      (r) =>
        r.sub === sub &&
        (r.status !== 'pending' || r.expiresAt <= now) &&
        (!before || r.createdAt < before.createdAt || (r.createdAt === before.createdAt && r.id < before.id)),
    );
    return past.sort(byCreatedThen('id')).reverse().slice(0, Math.max(0, page.limit)).map(copy);
  }

  async createIfFewerPending(request: AuthRequest, limit: number, now: number): Promise<boolean> {
    // One synchronous step: nothing else runs between the count and the insert.
    let pending = 0;
    for (const id of this.pendingBySub.get(request.sub) ?? []) {
      if (this.rows.get(id)!.expiresAt > now) pending++;
    }
    if (pending >= limit) return false;
    await this.create(request);
    return true;
  }

  async transition(
    key: string | { authReqIdHash: string },
    from: AuthRequest['status'],
    patch: Partial<AuthRequest>,
    guard: TransitionGuard = {},
  ): Promise<AuthRequest | undefined> {
    const id = typeof key === 'string' ? key : this.byHash.get(key.authReqIdHash);
    const current = id === undefined ? undefined : this.rows.get(id);
    if (!id || !current || current.status !== from || !guardHolds(current, guard)) return undefined;
    const { id: _ignoredId, ...rest } = patch;
    const next = applyPatch(current, rest);
    this.unindex(current);
    if (next.authReqIdHash !== current.authReqIdHash) {
      this.byHash.delete(current.authReqIdHash);
      this.byHash.set(next.authReqIdHash, id);
    }
    this.rows.set(id, next);
    this.index(next);
    if (next.expiresAt !== current.expiresAt) this.expiry.add(id, next.expiresAt);
    return copy(next);
  }

  async listExpiredPendingWithDelivery(now: number, limit: number): Promise<AuthRequest[]> {
    const out: AuthRequest[] = [];
    for (const id of this.pendingWithDelivery) {
      const row = this.rows.get(id)!;
      if (row.expiresAt <= now) out.push(row);
    }
    return out
      .sort((a, b) => a.expiresAt - b.expiresAt || compareStrings(a.id, b.id))
      .slice(0, Math.max(0, limit))
      .map(copy);
  }

  async touchPoll(id: string, lastPolledAt: number, interval: number): Promise<void> {
    const row = this.rows.get(id);
    if (!row) return;
    this.rows.set(id, { ...row, lastPolledAt, interval });
  }

  async deleteExpired(before: number): Promise<number> {
    const due = this.expiry.popDue(before, (id, at) => this.rows.get(id)?.expiresAt === at);
    for (const id of due) {
      const row = this.rows.get(id)!;
      this.unindex(row);
      this.byHash.delete(row.authReqIdHash);
      if (row.requestObjectHash !== undefined && this.byRequestObject.get(requestObjectKey(row)) === id) {
        this.byRequestObject.delete(requestObjectKey(row));
      }
      this.rows.delete(id);
    }
    return due.length;
  }
}

function requestObjectKey(row: Pick<AuthRequest, 'clientId' | 'requestObjectHash'>): string {
  return `${row.clientId} ${row.requestObjectHash}`;
}

class MemoryReplayStore implements ReplayStore {
  private readonly seen = new Map<string, number>();
  private readonly expiry = new ExpiryIndex();

  async consume(key: string, expiresAt: number): Promise<boolean> {
    // A key stays refused until a sweep (deleteExpired) removes it.
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAt);
    this.expiry.add(key, expiresAt);
    return true;
  }

  async deleteExpired(before: number): Promise<number> {
    const due = this.expiry.popDue(before, (key, at) => this.seen.get(key) === at);
    for (const key of due) this.seen.delete(key);
    return due.length;
  }
}

class MemoryRefreshTokenStore implements RefreshTokenStore {
  private readonly rows = new Map<string, RefreshTokenRecord>();
  private readonly byFamily = new Map<string, Set<string>>();
  private readonly expiry = new ExpiryIndex();

  async save(record: RefreshTokenRecord): Promise<void> {
    const previous = this.rows.get(record.tokenHash);
    if (previous) removeFromIndex(this.byFamily, previous.familyId, previous.tokenHash);
    this.rows.set(record.tokenHash, copy(record));
    addToIndex(this.byFamily, record.familyId, record.tokenHash);
    if (!previous || previous.expiresAt !== record.expiresAt) this.expiry.add(record.tokenHash, record.expiresAt);
  }

  async find(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = this.rows.get(tokenHash);
    return row && copy(row);
  }

  async markUsed(tokenHash: string, at: number): Promise<boolean> {
    const row = this.rows.get(tokenHash);
    if (!row || row.usedAt !== undefined) return false;
    this.rows.set(tokenHash, { ...row, usedAt: at });
    return true;
  }

  async revokeFamily(familyId: string): Promise<void> {
    for (const hash of this.byFamily.get(familyId) ?? []) {
      const row = this.rows.get(hash)!;
      this.rows.set(hash, { ...row, revoked: true });
    }
  }

  async revokeClient(clientId: string): Promise<number> {
    // A full scan: disabling a client is a rare admin action.
    let count = 0;
    for (const [hash, row] of this.rows) {
      if (row.clientId !== clientId || row.revoked) continue;
      this.rows.set(hash, { ...row, revoked: true });
      count++;
    }
    return count;
  }

  async listActiveForSubject(sub: string, now: number): Promise<RefreshTokenRecord[]> {
    // A full scan, as revokeSubject: the owner app's vehicle list, read on demand.
    return [...this.rows.values()]
      .filter((r) => r.sub === sub && !r.revoked && r.usedAt === undefined && r.expiresAt > now)
      .sort((a, b) => a.createdAt - b.createdAt || compareStrings(a.tokenHash, b.tokenHash))
      .map(copy);
  }

  async revokeSubject(sub: string): Promise<number> {
    // A full scan, as revokeClient: disabling an owner is a rare admin action.
    let count = 0;
    for (const [hash, row] of this.rows) {
      if (row.sub !== sub || row.revoked) continue;
      this.rows.set(hash, { ...row, revoked: true });
      count++;
    }
    return count;
  }

  async deleteExpired(before: number): Promise<number> {
    const due = this.expiry.popDue(before, (hash, at) => this.rows.get(hash)?.expiresAt === at);
    for (const hash of due) {
      removeFromIndex(this.byFamily, this.rows.get(hash)!.familyId, hash);
      this.rows.delete(hash);
    }
    return due.length;
  }
}

class MemoryRevocationStore implements RevocationStore {
  private readonly jtis = new Map<string, number>();
  private readonly families = new Map<string, number>();
  // Keys are prefixed so one heap serves both maps.
  private readonly expiry = new ExpiryIndex();

  async revoke(jti: string, expiresAt: number): Promise<void> {
    this.jtis.set(jti, expiresAt);
    this.expiry.add(`j:${jti}`, expiresAt);
  }
  async isRevoked(jti: string): Promise<boolean> {
    return this.jtis.has(jti);
  }
  async revokeFamily(familyId: string, expiresAt: number): Promise<void> {
    this.families.set(familyId, expiresAt);
    this.expiry.add(`f:${familyId}`, expiresAt);
  }
  async isFamilyRevoked(familyId: string): Promise<boolean> {
    return this.families.has(familyId);
  }
  async deleteExpired(before: number): Promise<number> {
    const mapOf = (key: string) => (key.startsWith('j:') ? this.jtis : this.families);
    const due = this.expiry.popDue(before, (key, at) => mapOf(key).get(key.slice(2)) === at);
    for (const key of due) mapOf(key).delete(key.slice(2));
    return due.length;
  }
}

class MemorySigningKeyStore implements SigningKeyStore {
  private readonly rows = new Map<string, SigningKeyRecord>();

  async list(): Promise<SigningKeyRecord[]> {
    return [...this.rows.values()].sort(byCreatedThen('kid')).map(copy);
  }
  async save(key: SigningKeyRecord): Promise<void> {
    this.rows.set(key.kid, copy(key));
  }
  async delete(kid: string): Promise<void> {
    this.rows.delete(kid);
  }
}

class MemoryEncryptionKeyStore implements EncryptionKeyStore {
  private readonly rows = new Map<string, EncryptionKeyRecord>();

  async list(): Promise<EncryptionKeyRecord[]> {
    return [...this.rows.values()].sort(byCreatedThen('kid')).map(copy);
  }
  async save(key: EncryptionKeyRecord): Promise<void> {
    this.rows.set(key.kid, copy(key));
  }
  async delete(kid: string): Promise<void> {
    this.rows.delete(kid);
  }
}

class MemoryOutboxStore implements OutboxStore {
  private readonly rows = new Map<string, OutboxMessage>();
  private readonly pending = new Set<string>();
  /** Delivered and failed messages by createdAt, for the retention sweep. */
  private readonly finished = new ExpiryIndex();

  async enqueue(message: OutboxMessage): Promise<void> {
    if (this.rows.has(message.id)) throw new Error('outbox message id already exists');
    this.rows.set(message.id, copy({ kind: 'client_notification', ...message }));
    if (message.status === 'pending') this.pending.add(message.id);
    else this.finished.add(message.id, message.createdAt);
  }

  async due(now: number, limit: number): Promise<OutboxMessage[]> {
    const out: OutboxMessage[] = [];
    for (const id of this.pending) {
      const row = this.rows.get(id)!;
      if (row.nextAttemptAt <= now) out.push(row);
    }
    return out
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt || compareStrings(a.id, b.id))
      .slice(0, Math.max(0, limit))
      .map(copy);
  }

  async nextDueAt(): Promise<number | undefined> {
    // A walk over the pending set: it is as small as the backlog.
    let earliest: number | undefined;
    for (const id of this.pending) {
      const at = this.rows.get(id)!.nextAttemptAt;
      if (earliest === undefined || at < earliest) earliest = at;
    }
    return earliest;
  }

  async find(id: string): Promise<OutboxMessage | undefined> {
    const row = this.rows.get(id);
    return row && copy(row);
  }

  async update(id: string, patch: Partial<OutboxMessage>): Promise<void> {
    const row = this.rows.get(id);
    if (!row) return;
    const { id: _ignoredId, ...rest } = patch;
    const next = applyPatch(row, rest);
    this.rows.set(id, next);
    if (next.status === 'pending') {
      this.pending.add(id);
    } else {
      this.pending.delete(id);
      if (row.status === 'pending' || row.createdAt !== next.createdAt) this.finished.add(id, next.createdAt);
    }
  }

  async lease(id: string, now: number, until: number): Promise<OutboxMessage | undefined> {
    // Check and write happen in one synchronous step, so concurrent callers cannot both win.
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending' || row.nextAttemptAt > now) return undefined;
    const next = { ...row, attempts: row.attempts + 1, nextAttemptAt: until };
    this.rows.set(id, next);
    return copy(next);
  }

  async deleteFinished(before: number, limit: number): Promise<number> {
    // A message finished, set pending again and finished again has two pairs in the index:
    // deleting it during the check makes the second one stale, so it is counted once.
    const deleted = this.finished.popDue(
      before,
      (id, createdAt) => {
        const row = this.rows.get(id);
        if (!row || row.status === 'pending' || row.createdAt !== createdAt) return false;
        this.rows.delete(id);
        return true;
      },
      Math.max(0, limit),
    );
    return deleted.length;
  }
}

class MemoryAuditStore implements AuditStore {
  /** Each event with its insertion counter, which breaks ties between equal `at`. */
  private readonly events: Array<{ seq: number; event: AuditEvent }> = [];
  private nextSeq = 0;

  async append(event: AuditEvent): Promise<void> {
    const last = this.events[this.events.length - 1]?.event.hash;
    this.events.push({ seq: this.nextSeq++, event: copy(chainAuditEvent(event, last)) });
  }

  async chain(): Promise<AuditEvent[]> {
    return this.events.map(({ event }) => copy(event));
  }

  async list(filter: { authRequestId?: string; sub?: string; limit?: number }): Promise<AuditEvent[]> {
    const matching = this.events.filter(
      ({ event: e }) =>
        (filter.authRequestId === undefined || e.authRequestId === filter.authRequestId) &&
        (filter.sub === undefined || e.sub === filter.sub),
    );
    matching.sort((a, b) => a.event.at - b.event.at || a.seq - b.seq);
    const limited = filter.limit === undefined ? matching : matching.slice(0, Math.max(0, filter.limit));
    return limited.map(({ event }) => copy(event));
  }
}

class MemoryPasskeyStore implements PasskeyStore {
  private readonly invitations = new Map<string, OwnerInvitation>();
  private readonly passkeys = new Map<string, Passkey>();
  private readonly sessions = new Map<string, OwnerSession>();
  private readonly challenges = new Map<string, WebAuthnChallenge>();
  private readonly assertions = new Map<string, ApprovalAssertion>();

  async saveInvitation(invitation: OwnerInvitation): Promise<void> {
    this.invitations.set(invitation.id, copy(invitation));
  }
  async findInvitation(tokenHash: string): Promise<OwnerInvitation | undefined> {
    const found = [...this.invitations.values()].find((i) => i.tokenHash === tokenHash);
    return found && copy(found);
  }
  async useInvitation(id: string, now: number): Promise<boolean> {
    const invitation = this.invitations.get(id);
    if (!invitation || invitation.usedAt !== undefined || invitation.expiresAt <= now) return false;
    invitation.usedAt = now;
    return true;
  }
  async savePasskey(passkey: Passkey): Promise<void> {
    this.passkeys.set(passkey.id, copy(passkey));
  }
  async findPasskey(id: string): Promise<Passkey | undefined> {
    const found = this.passkeys.get(id);
    return found && copy(found);
  }
  async findPasskeyByCredentialId(credentialId: string): Promise<Passkey | undefined> {
    const found = [...this.passkeys.values()].find((p) => p.credentialId === credentialId);
    return found && copy(found);
  }
  async listPasskeys(sub: string): Promise<Passkey[]> {
    return [...this.passkeys.values()]
      .filter((p) => p.sub === sub)
      .sort(byCreatedThen('id'))
      .map(copy);
  }
  async recordUse(id: string, counter: number, at: number): Promise<void> {
    const passkey = this.passkeys.get(id);
    if (passkey) Object.assign(passkey, { counter, lastUsedAt: at });
  }
  async removePasskey(id: string, at: number): Promise<boolean> {
    const passkey = this.passkeys.get(id);
    if (!passkey || passkey.removedAt !== undefined) return false;
    passkey.removedAt = at;
    for (const [hash, session] of this.sessions) if (session.deviceId === id) this.sessions.delete(hash);
    return true;
  }
  async saveSession(session: OwnerSession): Promise<void> {
    this.sessions.set(session.tokenHash, copy(session));
  }
  async findSession(tokenHash: string): Promise<OwnerSession | undefined> {
    const found = this.sessions.get(tokenHash);
    return found && copy(found);
  }
  async deleteSession(tokenHash: string): Promise<void> {
    this.sessions.delete(tokenHash);
  }
  async saveChallenge(challenge: WebAuthnChallenge): Promise<void> {
    this.challenges.set(challenge.id, copy(challenge));
  }
  async takeChallenge(id: string): Promise<WebAuthnChallenge | undefined> {
    const found = this.challenges.get(id);
    this.challenges.delete(id);
    return found && copy(found);
  }
  async saveAssertion(assertion: ApprovalAssertion): Promise<void> {
    this.assertions.set(assertion.authRequestId, copy(assertion));
  }
  async findAssertion(authRequestId: string): Promise<ApprovalAssertion | undefined> {
    const found = this.assertions.get(authRequestId);
    return found && copy(found);
  }
  async listAssertions(): Promise<ApprovalAssertion[]> {
    return [...this.assertions.values()]
      .sort((a, b) => a.createdAt - b.createdAt || compareStrings(a.authRequestId, b.authRequestId))
      .map(copy);
  }
  async deleteExpired(before: number): Promise<number> {
    let count = 0;
    for (const map of [this.sessions, this.challenges, this.invitations] as Map<string, { expiresAt: number }>[]) {
      for (const [key, value] of map) {
        if (value.expiresAt < before) {
          map.delete(key);
          count++;
        }
      }
    }
    return count;
  }
}

class MemoryOwnerPushStore implements OwnerPushStore {
  private readonly vapid = new Map<string, VapidKeyRecord>();
  private readonly subscriptions = new Map<string, PushSubscriptionRecord>();

  async listVapidKeys(): Promise<VapidKeyRecord[]> {
    return [...this.vapid.values()].sort(byCreatedThen('kid')).map(copy);
  }
  async addVapidKey(key: VapidKeyRecord): Promise<boolean> {
    if (this.vapid.has(key.kid)) return false;
    this.vapid.set(key.kid, copy(key));
    return true;
  }
  async saveVapidKey(key: VapidKeyRecord): Promise<void> {
    this.vapid.set(key.kid, copy(key));
  }
  async saveSubscription(subscription: PushSubscriptionRecord): Promise<void> {
    for (const [id, row] of this.subscriptions) {
      if (row.endpoint === subscription.endpoint) this.subscriptions.delete(id);
    }
    this.subscriptions.set(subscription.id, copy(subscription));
  }
  async findSubscription(id: string): Promise<PushSubscriptionRecord | undefined> {
    const row = this.subscriptions.get(id);
    return row && copy(row);
  }
  async listSubscriptions(sub: string): Promise<PushSubscriptionRecord[]> {
    return [...this.subscriptions.values()]
      .filter((s) => s.sub === sub)
      .sort(byCreatedThen('id'))
      .map(copy);
  }
  async deleteSubscription(id: string): Promise<boolean> {
    return this.subscriptions.delete(id);
  }
  async deleteSubscriptionByEndpoint(sub: string, endpoint: string): Promise<boolean> {
    const row = [...this.subscriptions.values()].find((s) => s.endpoint === endpoint && s.sub === sub);
    return row ? this.subscriptions.delete(row.id) : false;
  }
  async deleteDeviceSubscriptions(deviceId: string): Promise<number> {
    let count = 0;
    for (const [id, row] of this.subscriptions) {
      if (row.deviceId === deviceId && this.subscriptions.delete(id)) count++;
    }
    return count;
  }
}

/**
 * Creates a fresh, empty set of in-memory stores (tests, development, benchmarks of
 * the core without a database). `transaction(fn)` runs `fn` with the same stores:
 * there is no rollback, each call is already atomic on the single JS thread.
 *
 * @example
 * const stores = createMemoryStores();
 * await stores.clients.save(client);
 * const same = await stores.clients.find(client.clientId);
 */
export function createMemoryStores(): Stores {
  const stores: Stores = {
    clients: new MemoryClientStore(),
    owners: new MemoryOwnerStore(),
    authRequests: new MemoryAuthRequestStore(),
    replay: new MemoryReplayStore(),
    refreshTokens: new MemoryRefreshTokenStore(),
    revocations: new MemoryRevocationStore(),
    signingKeys: new MemorySigningKeyStore(),
    encryptionKeys: new MemoryEncryptionKeyStore(),
    outbox: new MemoryOutboxStore(),
    audit: new MemoryAuditStore(),
    passkeys: new MemoryPasskeyStore(),
    push: new MemoryOwnerPushStore(),
    limits: createMemoryLimitStore(),
    transaction: (fn) => fn(stores),
    close: async () => {},
  };
  return stores;
}

/** Every condition of a transition guard holds for `row`. */
function guardHolds(row: AuthRequest, guard: TransitionGuard): boolean {
  if (guard.sub !== undefined && row.sub !== guard.sub) return false;
  if (guard.clientId !== undefined && row.clientId !== guard.clientId) return false;
  if (guard.liveAt !== undefined && !(row.expiresAt > guard.liveAt)) return false;
  if (guard.dpopJktAllowed !== undefined && row.dpopJkt !== undefined && row.dpopJkt !== guard.dpopJktAllowed) {
    return false;
  }
  return true;
}
