import type {
  AuditEvent,
  AuditStore,
  AuthRequest,
  AuthRequestStore,
  Client,
  ClientStore,
  OutboxMessage,
  OutboxStore,
  Owner,
  OwnerDevice,
  OwnerStore,
  PendingPage,
  RefreshTokenRecord,
  RefreshTokenStore,
  ReplayStore,
  RevocationStore,
  SigningKeyRecord,
  SigningKeyStore,
  EncryptionKeyRecord,
  EncryptionKeyStore,
  TransitionGuard,
  Stores,
  PasskeyStore,
  OwnerInvitation,
  OwnerSession,
  Passkey,
  WebAuthnChallenge,
  ApprovalAssertion,
  OwnerPushStore,
  PushSubscriptionRecord,
  VapidKeyRecord,
} from '@onboard/ciba-core';
import { chainAuditEvent } from '@onboard/ciba-core';
import type { LimitStore } from '@onboard/platform';
import type { DataSource } from 'typeorm';
import { AuthRequestEntity } from './entities/auth-request.entity';
import { ClientEntity } from './entities/client.entity';
import { AuditEventEntity, OutboxEntity, PushSubscriptionEntity, VapidKeyEntity } from './entities/misc.entity';
import { OwnerDeviceEntity, OwnerEntity } from './entities/owner.entity';
import { EncryptionKeyEntity, RefreshTokenEntity, SigningKeyEntity } from './entities/token.entity';
import {
  ApprovalAssertionEntity,
  OwnerInvitationEntity,
  OwnerSessionEntity,
  PasskeyEntity,
  WebAuthnChallengeEntity,
} from './entities/passkey.entity';
import { Conditions, TableMapper, type Row, type SqlSession } from '@onboard/sql-kit';

/*
 * The store ports over SQL. Every statement is a fixed string (prepared once on
 * SQLite), keyed by primary key or an index: no method scans a table per request.
 * Orderings match the in-memory stores (see libs/ciba-core/src/memory/memory-stores.ts).
 */

/**
 * Committed rows of a rarely written table (clients, owners, owner devices), read on
 * every request (client authentication, owner-device authentication, login_hint). The
 * store's own writes clear it before and after they run; a commit by another process
 * (the admin CLI) clears it on the next read (`SqlSession.externalVersion`). Rows, not
 * domain objects, are kept, so callers never share a mutable object. Where the session
 * cannot tell external commits (PostgreSQL), every read goes to the database.
 */
class ReadCache {
  private readonly rows = new Map<string, Row>();
  private generation = 0;
  private version?: number;

  constructor(private readonly limit = 10_000) {}

  /** The row for `key`, cached or loaded; `sql` is the caller's session (a transaction's reads through). */
  async get(sql: SqlSession, key: string, load: () => Promise<Row | undefined>): Promise<Row | undefined> {
    const version = sql.externalVersion?.();
    if (version === undefined) return load();
    if (version !== this.version) {
      this.rows.clear();
      this.version = version;
    }
    const hit = this.rows.get(key);
    if (hit) return hit;
    // A transaction's read may see its own uncommitted writes: served, never kept.
    if (sql.inTransaction) return load();
    const generation = this.generation;
    const row = await load();
    // Not cached if a write of this store ran meanwhile: the row may predate it.
    if (row && generation === this.generation && version === this.version) {
      if (this.rows.size >= this.limit) this.rows.delete(this.rows.keys().next().value as string);
      this.rows.set(key, row);
    }
    return row;
  }

  /** Wraps a write of the store: the cache is cleared before it runs and after it commits. */
  async writing<T>(write: () => Promise<T>): Promise<T> {
    this.clear();
    try {
      return await write();
    } finally {
      this.clear();
    }
  }

  private clear(): void {
    this.generation++;
    this.rows.clear();
  }
}

class SqlClientStore implements ClientStore {
  private readonly selectOne: string;
  private readonly selectAll: string;
  private readonly deleteOne: string;
  constructor(
    private readonly sql: SqlSession,
    private readonly map: TableMapper<Client>,
    private readonly cache: ReadCache,
  ) {
    this.selectOne = `SELECT * FROM clients WHERE client_id = ?`;
    this.selectAll = `SELECT * FROM clients ORDER BY created_at, client_id`;
    this.deleteOne = `DELETE FROM clients WHERE client_id = ?`;
  }
  async save(client: Client): Promise<void> {
    await this.cache.writing(() => this.sql.run(this.map.upsertSql, this.map.toParams(client)));
  }
  async find(clientId: string): Promise<Client | undefined> {
    const row = await this.cache.get(
      this.sql,
      clientId,
      async () => (await this.sql.all(this.selectOne, [clientId]))[0],
    );
    return row && this.map.fromRow(row);
  }
  async list(): Promise<Client[]> {
    return (await this.sql.all(this.selectAll, [])).map((r) => this.map.fromRow(r));
  }
  async delete(clientId: string): Promise<void> {
    await this.cache.writing(() => this.sql.run(this.deleteOne, [clientId]));
  }
}

class SqlOwnerStore implements OwnerStore {
  constructor(
    private readonly sql: SqlSession,
    private readonly owners: TableMapper<Owner>,
    private readonly devices: TableMapper<OwnerDevice>,
    private readonly ownerCache: ReadCache,
    private readonly deviceCache: ReadCache,
  ) {}
  async save(owner: Owner): Promise<void> {
    await this.ownerCache.writing(() => this.sql.run(this.owners.upsertSql, this.owners.toParams(owner)));
  }
  async find(sub: string): Promise<Owner | undefined> {
    const row = await this.ownerCache.get(
      this.sql,
      `sub:${sub}`,
      async () => (await this.sql.all(`SELECT * FROM owners WHERE sub = ?`, [sub]))[0],
    );
    return row && this.owners.fromRow(row);
  }
  async findByHint(hint: string): Promise<Owner | undefined> {
    const row = await this.ownerCache.get(this.sql, `hint:${hint}`, () => this.selectByHint(hint));
    return row && this.owners.fromRow(row);
  }
  private async selectByHint(hint: string): Promise<Row | undefined> {
    // Precedence when several owners could match: sub, email, username, phone number.
    const email = hint.toLowerCase();
    const [row] = await this.sql.all(
      `SELECT * FROM owners
       WHERE sub = ? OR lower(email) = ? OR username = ? OR phone_number = ?
       ORDER BY CASE WHEN sub = ? THEN 0 WHEN lower(email) = ? THEN 1 WHEN username = ? THEN 2 ELSE 3 END, sub
       LIMIT 1`,
      [hint, email, hint, hint, hint, email, hint],
    );
    return row;
  }
  async list(): Promise<Owner[]> {
    return (await this.sql.all(`SELECT * FROM owners ORDER BY created_at, sub`, [])).map((r) => this.owners.fromRow(r));
  }
  async saveDevice(device: OwnerDevice): Promise<void> {
    await this.deviceCache.writing(() => this.sql.run(this.devices.upsertSql, this.devices.toParams(device)));
  }
  async findDeviceByCredentialHash(credentialHash: string): Promise<OwnerDevice | undefined> {
    const row = await this.deviceCache.get(
      this.sql,
      credentialHash,
      async () => (await this.sql.all(`SELECT * FROM owner_devices WHERE credential_hash = ?`, [credentialHash]))[0],
    );
    return row && this.devices.fromRow(row);
  }
  async listDevices(sub: string): Promise<OwnerDevice[]> {
    // Read on every backchannel request (the default access policy), so cached like the rest.
    const entry = await this.deviceCache.get(this.sql, `sub:${sub}`, async () => ({
      rows: await this.sql.all(`SELECT * FROM owner_devices WHERE sub = ? ORDER BY created_at, id`, [sub]),
    }));
    return (entry?.['rows'] as Row[]).map((r) => this.devices.fromRow(r));
  }
}

class SqlAuthRequestStore implements AuthRequestStore {
  constructor(
    private readonly sql: SqlSession,
    private readonly map: TableMapper<AuthRequest>,
  ) {}
  async create(request: AuthRequest): Promise<void> {
    await this.sql.run(this.map.insertSql, this.map.toParams(request));
  }
  async find(id: string): Promise<AuthRequest | undefined> {
    const [row] = await this.sql.all(`SELECT * FROM auth_requests WHERE id = ?`, [id]);
    return row && this.map.fromRow(row);
  }
  async findByAuthReqIdHash(hash: string): Promise<AuthRequest | undefined> {
    const [row] = await this.sql.all(`SELECT * FROM auth_requests WHERE auth_req_id_hash = ?`, [hash]);
    return row && this.map.fromRow(row);
  }
  async findByRequestObjectHash(clientId: string, hash: string): Promise<AuthRequest | undefined> {
    const [row] = await this.sql.all(
      `SELECT * FROM auth_requests WHERE client_id = ? AND request_object_hash = ? ORDER BY created_at LIMIT 1`,
      [clientId, hash],
    );
    return row && this.map.fromRow(row);
  }
  async listPendingForOwner(sub: string, now: number): Promise<AuthRequest[]> {
    const rows = await this.sql.all(
      `SELECT * FROM auth_requests WHERE sub = ? AND status = 'pending' AND expires_at > ? ORDER BY created_at, id`,
      [sub, now],
    );
    return rows.map((r) => this.map.fromRow(r));
  }
  async pagePendingForOwner(sub: string, now: number, page: PendingPage): Promise<AuthRequest[]> {
    // The pending-owner partial index finds the owner's pending rows; they are few (the
    // owner's pending maximum), so sorting them newest first costs nothing.
    return this.pageNewestFirst(
      new Conditions().add('sub = ?', sub).add(`status = 'pending'`).add('expires_at > ?', now),
      page,
    );
  }
  async pageHistoryForOwner(sub: string, now: number, page: PendingPage): Promise<AuthRequest[]> {
    // idx_auth_requests_owner_history (sub, created_at, id): read newest first, filtered on the way.
    return this.pageNewestFirst(
      new Conditions().add('sub = ?', sub).add(`(status <> 'pending' OR expires_at <= ?)`, now),
      page,
    );
  }
  /** One page of the requests `where` selects, newest first, after the keyset cursor `page.before`. */
  private async pageNewestFirst(where: Conditions, page: PendingPage): Promise<AuthRequest[]> {
    if (page.before) {
      where.add(
        '(created_at < ? OR (created_at = ? AND id < ?))',
        page.before.createdAt,
        page.before.createdAt,
        page.before.id,
      );
    }
    const rows = await this.sql.all(
      `SELECT * FROM auth_requests WHERE ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...where.params, Math.max(0, page.limit)],
    );
    return rows.map((r) => this.map.fromRow(r));
  }
  async createIfFewerPending(request: AuthRequest, limit: number, now: number): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      // PostgreSQL: concurrent creations for one owner (any replica) take turns here; each
      // counts after the one before it committed (READ COMMITTED reads per statement).
      // SQLite: a transaction holds the one connection, and the file's write lock.
      if (tx.dialect === 'postgres')
        await tx.all(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`pending:${request.sub}`]);
      const [row] = await tx.all(
        `SELECT count(*) AS pending FROM auth_requests WHERE sub = ? AND status = 'pending' AND expires_at > ?`,
        [request.sub, now],
      );
      if (Number(row?.['pending'] ?? 0) >= limit) return false;
      await tx.run(this.map.insertSql, this.map.toParams(request));
      return true;
    });
  }
  async transition(
    key: string | { authReqIdHash: string },
    from: AuthRequest['status'],
    patch: Partial<AuthRequest>,
    guard: TransitionGuard = {},
  ): Promise<AuthRequest | undefined> {
    // Compare-and-set in one statement: the status (and guard) conditions decide the race.
    const where = new Conditions()
      .add(
        typeof key === 'string' ? 'id = ?' : 'auth_req_id_hash = ?',
        typeof key === 'string' ? key : key.authReqIdHash,
      )
      .add('status = ?', from)
      .ifSet(guard.sub, 'sub = ?')
      .ifSet(guard.clientId, 'client_id = ?')
      .ifSet(guard.liveAt, 'expires_at > ?');
    if (guard.dpopJktAllowed === null) where.add('dpop_jkt IS NULL');
    else where.ifSet(guard.dpopJktAllowed, '(dpop_jkt IS NULL OR dpop_jkt = ?)');
    const set = this.map.setClause(patch, ['id']);
    const sql =
      set.sql === ''
        ? `SELECT * FROM auth_requests WHERE ${where.sql}`
        : `UPDATE auth_requests SET ${set.sql} WHERE ${where.sql} RETURNING *`;
    const rows = await this.sql.all(sql, [...set.params, ...where.params]);
    return rows[0] && this.map.fromRow(rows[0]);
  }
  async listExpiredPendingWithDelivery(now: number, limit: number): Promise<AuthRequest[]> {
    const rows = await this.sql.all(
      `SELECT * FROM auth_requests
       WHERE status = 'pending' AND expires_at <= ? AND delivery_mode <> 'poll'
       ORDER BY expires_at, id LIMIT ?`,
      [now, Math.max(0, limit)],
    );
    return rows.map((r) => this.map.fromRow(r));
  }
  async touchPoll(id: string, lastPolledAt: number, interval: number): Promise<void> {
    await this.sql.run(`UPDATE auth_requests SET last_polled_at = ?, "interval" = ? WHERE id = ?`, [
      lastPolledAt,
      interval,
      id,
    ]);
  }
  async deleteExpired(before: number): Promise<number> {
    return this.sql.run(`DELETE FROM auth_requests WHERE expires_at < ?`, [before]);
  }
}

class SqlReplayStore implements ReplayStore {
  constructor(private readonly sql: SqlSession) {}
  async consume(key: string, expiresAt: number): Promise<boolean> {
    // The primary key decides: a second insert of the same key changes no row.
    const changed = await this.sql.run(
      `INSERT INTO replay ("key", expires_at) VALUES (?, ?) ON CONFLICT ("key") DO NOTHING`,
      [key, expiresAt],
    );
    return changed === 1;
  }
  async deleteExpired(before: number): Promise<number> {
    return this.sql.run(`DELETE FROM replay WHERE expires_at < ?`, [before]);
  }
}

class SqlRefreshTokenStore implements RefreshTokenStore {
  constructor(
    private readonly sql: SqlSession,
    private readonly map: TableMapper<RefreshTokenRecord>,
  ) {}
  async save(record: RefreshTokenRecord): Promise<void> {
    await this.sql.run(this.map.upsertSql, this.map.toParams(record));
  }
  async find(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const [row] = await this.sql.all(`SELECT * FROM refresh_tokens WHERE token_hash = ?`, [tokenHash]);
    return row && this.map.fromRow(row);
  }
  async markUsed(tokenHash: string, at: number): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`,
      [at, tokenHash],
    );
    return changed === 1;
  }
  async revokeFamily(familyId: string): Promise<void> {
    await this.sql.run(`UPDATE refresh_tokens SET revoked = ? WHERE family_id = ?`, [true, familyId]);
  }
  async revokeClient(clientId: string): Promise<number> {
    return this.sql.run(`UPDATE refresh_tokens SET revoked = ? WHERE client_id = ? AND revoked = ?`, [
      true,
      clientId,
      false,
    ]);
  }
  async listActiveForSubject(sub: string, now: number): Promise<RefreshTokenRecord[]> {
    // idx_refresh_tokens_sub (OwnerTokenWatermarks1770336000000)
    const rows = await this.sql.all(
      `SELECT * FROM refresh_tokens WHERE sub = ? AND revoked = ? AND used_at IS NULL AND expires_at > ?
       ORDER BY created_at, token_hash`,
      [sub, false, now],
    );
    return rows.map((r) => this.map.fromRow(r));
  }
  async revokeSubject(sub: string): Promise<number> {
    // idx_refresh_tokens_sub (OwnerTokenWatermarks1770336000000)
    return this.sql.run(`UPDATE refresh_tokens SET revoked = ? WHERE sub = ? AND revoked = ?`, [true, sub, false]);
  }
  async deleteExpired(before: number): Promise<number> {
    return this.sql.run(`DELETE FROM refresh_tokens WHERE expires_at < ?`, [before]);
  }
}

class SqlRevocationStore implements RevocationStore {
  constructor(private readonly sql: SqlSession) {}
  async revoke(jti: string, expiresAt: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
       ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at`,
      [jti, expiresAt],
    );
  }
  async isRevoked(jti: string): Promise<boolean> {
    return (await this.sql.all(`SELECT 1 AS hit FROM revoked_tokens WHERE jti = ?`, [jti])).length > 0;
  }
  async revokeFamily(familyId: string, expiresAt: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO revoked_families (family_id, expires_at) VALUES (?, ?)
       ON CONFLICT (family_id) DO UPDATE SET expires_at = excluded.expires_at`,
      [familyId, expiresAt],
    );
  }
  async isFamilyRevoked(familyId: string): Promise<boolean> {
    return (await this.sql.all(`SELECT 1 AS hit FROM revoked_families WHERE family_id = ?`, [familyId])).length > 0;
  }
  async deleteExpired(before: number): Promise<number> {
    const tokens = await this.sql.run(`DELETE FROM revoked_tokens WHERE expires_at < ?`, [before]);
    const families = await this.sql.run(`DELETE FROM revoked_families WHERE expires_at < ?`, [before]);
    return tokens + families;
  }
}

/** A key table (signing or encryption keys), rows keyed by `kid`, listed oldest first. */
class SqlKeyStore<K extends SigningKeyRecord | EncryptionKeyRecord> {
  constructor(
    private readonly sql: SqlSession,
    private readonly map: TableMapper<K>,
    private readonly table: 'signing_keys' | 'encryption_keys',
  ) {}
  async list(): Promise<K[]> {
    return (await this.sql.all(`SELECT * FROM ${this.table} ORDER BY created_at, kid`, [])).map((r) =>
      this.map.fromRow(r),
    );
  }
  async save(key: K): Promise<void> {
    await this.sql.run(this.map.upsertSql, this.map.toParams(key));
  }
  async delete(kid: string): Promise<void> {
    await this.sql.run(`DELETE FROM ${this.table} WHERE kid = ?`, [kid]);
  }
}

class SqlOutboxStore implements OutboxStore {
  constructor(
    private readonly sql: SqlSession,
    private readonly map: TableMapper<OutboxMessage>,
  ) {}
  async enqueue(message: OutboxMessage): Promise<void> {
    await this.sql.run(this.map.insertSql, this.map.toParams({ kind: 'client_notification', ...message }));
  }
  async due(now: number, limit: number): Promise<OutboxMessage[]> {
    const rows = await this.sql.all(
      `SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
       ORDER BY next_attempt_at, created_at, id LIMIT ?`,
      [now, Math.max(0, limit)],
    );
    return rows.map((r) => this.map.fromRow(r));
  }
  async nextDueAt(): Promise<number | undefined> {
    // One lookup at the start of the partial index idx_outbox_pending_next_attempt_at
    // (SQLite's min() optimization, PostgreSQL's index-only scan): no table scan.
    const [row] = await this.sql.all(`SELECT min(next_attempt_at) AS at FROM outbox WHERE status = 'pending'`, []);
    const at = row?.['at'];
    // PostgreSQL returns BIGINT as text.
    return at === null || at === undefined ? undefined : Number(at);
  }
  async find(id: string): Promise<OutboxMessage | undefined> {
    const [row] = await this.sql.all(`SELECT * FROM outbox WHERE id = ?`, [id]);
    return row && this.map.fromRow(row);
  }
  async update(id: string, patch: Partial<OutboxMessage>): Promise<void> {
    const set = this.map.setClause(patch, ['id']);
    if (set.sql === '') return;
    await this.sql.run(`UPDATE outbox SET ${set.sql} WHERE id = ?`, [...set.params, id]);
  }
  async lease(id: string, now: number, until: number): Promise<OutboxMessage | undefined> {
    // Compare-and-set in one statement: of concurrent leases, only one still sees the row due.
    const rows = await this.sql.all(
      `UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1
       WHERE id = ? AND status = 'pending' AND next_attempt_at <= ? RETURNING *`,
      [until, id, now],
    );
    return rows[0] && this.map.fromRow(rows[0]);
  }
  async deleteFinished(before: number, limit: number): Promise<number> {
    // A range of the primary key, which sorts UUIDv7 ids by the time they were minted: no
    // other index is written per message for this sweep. One bounded statement at a time,
    // so a large backlog holds the write lock only briefly, batch after batch. Rows written
    // by earlier versions have random (v4) ids that may sort anywhere, inside the range or
    // not: `status <> 'pending'`, checked on the very row deleted, is what guarantees that
    // no pending message is ever deleted, and `created_at` that no finished message goes
    // before its time.
    // The batch is bounded by its last id (the largest of the first `limit` matches), not
    // by `id IN (subquery)`: PostgreSQL may plan `IN` as a hash join over a sequential scan
    // of the whole table (it did at 200,000 rows), while a range walks the primary key from
    // its start to the batch's last id on both databases. The same filter on the same
    // snapshot matches exactly the subquery's rows, so at most `limit`.
    return this.sql.run(
      `DELETE FROM outbox WHERE id <= (
         SELECT max(id) FROM (
           SELECT id FROM outbox WHERE id < ? AND status <> 'pending' AND created_at < ? ORDER BY id LIMIT ?
         ) AS batch
       ) AND status <> 'pending' AND created_at < ?`,
      [uuidV7Floor(before), before, Math.max(0, limit), before],
    );
  }
}

/**
 * The smallest UUID (as text) of time `ms`: every UUIDv7 minted before `ms` sorts below it,
 * every one minted at or after `ms` above (48-bit Unix-ms prefix, RFC 9562 §5.7; lower-case
 * hex as `uuidV7` in libs/platform/src/random/node-random.ts writes it).
 */
function uuidV7Floor(ms: number): string {
  const hex = Math.min(Math.max(0, Math.floor(ms)), 0xffff_ffff_ffff)
    .toString(16)
    .padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** Advisory lock key of the audit chain (PostgreSQL). */
const AUDIT_CHAIN_LOCK = 7_402_117;

class SqlAuditStore implements AuditStore {
  constructor(
    private readonly sql: SqlSession,
    private readonly map: TableMapper<AuditEvent>,
  ) {}
  async append(event: AuditEvent): Promise<void> {
    // The chain's last entry and the new one in one transaction; on PostgreSQL an advisory
    // lock makes concurrent appends take turns, so two never chain to the same entry.
    const append = async (tx: SqlSession) => {
      if (tx.dialect === 'postgres') await tx.all(`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`, []);
      const last = (await tx.all(`SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1`, []))[0];
      const previous = typeof last?.hash === 'string' ? last.hash : undefined;
      await tx.run(this.map.insertSql, this.map.toParams(chainAuditEvent(event, previous)));
    };
    // Inside a caller's transaction (a flow's state changes and their audit events are written
    // so) the append is part of it: its one write happens or throws, and the caller's commit or
    // rollback decides; a savepoint of its own would add two statements (round trips on
    // PostgreSQL) and nothing else. The advisory lock is held to the caller's commit either way.
    if (this.sql.insideTransaction?.()) await append(this.sql);
    else await this.sql.transaction(append);
  }
  async chain(): Promise<AuditEvent[]> {
    return (await this.sql.all(`SELECT * FROM audit_events ORDER BY seq`, [])).map((r) => this.map.fromRow(r));
  }
  async list(filter: { authRequestId?: string; sub?: string; limit?: number }): Promise<AuditEvent[]> {
    const where = new Conditions().ifSet(filter.authRequestId, 'auth_request_id = ?').ifSet(filter.sub, 'sub = ?');
    let sql = `SELECT * FROM audit_events${where.clause()} ORDER BY at, seq`;
    const params = [...where.params];
    if (filter.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(Math.max(0, filter.limit));
    }
    return (await this.sql.all(sql, params)).map((r) => this.map.fromRow(r));
  }
}

class SqlPasskeyStore implements PasskeyStore {
  constructor(
    private readonly sql: SqlSession,
    private readonly maps: PasskeyMaps,
  ) {}
  async saveInvitation(invitation: OwnerInvitation): Promise<void> {
    await this.sql.run(this.maps.invitations.upsertSql, this.maps.invitations.toParams(invitation));
  }
  async findInvitation(tokenHash: string): Promise<OwnerInvitation | undefined> {
    const row = (await this.sql.all(`SELECT * FROM owner_invitations WHERE token_hash = ?`, [tokenHash]))[0];
    return row && this.maps.invitations.fromRow(row);
  }
  async useInvitation(id: string, now: number): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE owner_invitations SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?`,
      [now, id, now],
    );
    return changed === 1;
  }
  async savePasskey(passkey: Passkey): Promise<void> {
    await this.sql.run(this.maps.passkeys.upsertSql, this.maps.passkeys.toParams(passkey));
  }
  async findPasskey(id: string): Promise<Passkey | undefined> {
    const row = (await this.sql.all(`SELECT * FROM owner_passkeys WHERE id = ?`, [id]))[0];
    return row && this.maps.passkeys.fromRow(row);
  }
  async findPasskeyByCredentialId(credentialId: string): Promise<Passkey | undefined> {
    const row = (await this.sql.all(`SELECT * FROM owner_passkeys WHERE credential_id = ?`, [credentialId]))[0];
    return row && this.maps.passkeys.fromRow(row);
  }
  async listPasskeys(sub: string): Promise<Passkey[]> {
    const rows = await this.sql.all(`SELECT * FROM owner_passkeys WHERE sub = ? ORDER BY created_at, id`, [sub]);
    return rows.map((r) => this.maps.passkeys.fromRow(r));
  }
  async recordUse(id: string, counter: number, at: number): Promise<void> {
    await this.sql.run(`UPDATE owner_passkeys SET counter = ?, last_used_at = ? WHERE id = ?`, [counter, at, id]);
  }
  async removePasskey(id: string, at: number): Promise<boolean> {
    const changed = await this.sql.run(`UPDATE owner_passkeys SET removed_at = ? WHERE id = ? AND removed_at IS NULL`, [
      at,
      id,
    ]);
    await this.sql.run(`DELETE FROM owner_sessions WHERE device_id = ?`, [id]);
    return changed === 1;
  }
  async saveSession(session: OwnerSession): Promise<void> {
    await this.sql.run(this.maps.sessions.upsertSql, this.maps.sessions.toParams(session));
  }
  async findSession(tokenHash: string): Promise<OwnerSession | undefined> {
    const row = (await this.sql.all(`SELECT * FROM owner_sessions WHERE token_hash = ?`, [tokenHash]))[0];
    return row && this.maps.sessions.fromRow(row);
  }
  async deleteSession(tokenHash: string): Promise<void> {
    await this.sql.run(`DELETE FROM owner_sessions WHERE token_hash = ?`, [tokenHash]);
  }
  async saveChallenge(challenge: WebAuthnChallenge): Promise<void> {
    await this.sql.run(this.maps.challenges.upsertSql, this.maps.challenges.toParams(challenge));
  }
  async takeChallenge(id: string): Promise<WebAuthnChallenge | undefined> {
    const row = (await this.sql.all(`SELECT * FROM webauthn_challenges WHERE id = ?`, [id]))[0];
    if (!row) return undefined;
    // Only the caller whose DELETE removed the row gets it: a challenge is answered once.
    const deleted = await this.sql.run(`DELETE FROM webauthn_challenges WHERE id = ?`, [id]);
    return deleted === 1 ? this.maps.challenges.fromRow(row) : undefined;
  }
  async saveAssertion(assertion: ApprovalAssertion): Promise<void> {
    await this.sql.run(this.maps.assertions.insertSql, this.maps.assertions.toParams(assertion));
  }
  async findAssertion(authRequestId: string): Promise<ApprovalAssertion | undefined> {
    const row = (await this.sql.all(`SELECT * FROM approval_assertions WHERE auth_request_id = ?`, [authRequestId]))[0];
    return row && this.maps.assertions.fromRow(row);
  }
  async listAssertions(): Promise<ApprovalAssertion[]> {
    const rows = await this.sql.all(`SELECT * FROM approval_assertions ORDER BY created_at, auth_request_id`, []);
    return rows.map((r) => this.maps.assertions.fromRow(r));
  }
  async deleteExpired(before: number): Promise<number> {
    let count = 0;
    for (const table of ['owner_sessions', 'webauthn_challenges', 'owner_invitations']) {
      count += await this.sql.run(`DELETE FROM ${table} WHERE expires_at < ?`, [before]);
    }
    return count;
  }
}

class SqlOwnerPushStore implements OwnerPushStore {
  constructor(
    private readonly sql: SqlSession,
    private readonly vapid: TableMapper<VapidKeyRecord>,
    private readonly subscriptions: TableMapper<PushSubscriptionRecord>,
  ) {}
  async listVapidKeys(): Promise<VapidKeyRecord[]> {
    const rows = await this.sql.all(`SELECT * FROM vapid_keys ORDER BY created_at, kid`, []);
    return rows.map((r) => this.vapid.fromRow(r));
  }
  async addVapidKey(key: VapidKeyRecord): Promise<boolean> {
    // Of processes starting at once on one database, the first insert wins; the others read it.
    const inserted = await this.sql.run(
      `${this.vapid.insertSql} ON CONFLICT (kid) DO NOTHING`,
      this.vapid.toParams(key),
    );
    return inserted === 1;
  }
  async saveVapidKey(key: VapidKeyRecord): Promise<void> {
    await this.sql.run(this.vapid.upsertSql, this.vapid.toParams(key));
  }
  async saveSubscription(subscription: PushSubscriptionRecord): Promise<void> {
    await this.sql.run(`DELETE FROM push_subscriptions WHERE endpoint = ?`, [subscription.endpoint]);
    await this.sql.run(this.subscriptions.upsertSql, this.subscriptions.toParams(subscription));
  }
  async findSubscription(id: string): Promise<PushSubscriptionRecord | undefined> {
    const [row] = await this.sql.all(`SELECT * FROM push_subscriptions WHERE id = ?`, [id]);
    return row && this.subscriptions.fromRow(row);
  }
  async listSubscriptions(sub: string): Promise<PushSubscriptionRecord[]> {
    const rows = await this.sql.all(`SELECT * FROM push_subscriptions WHERE sub = ? ORDER BY created_at, id`, [sub]);
    return rows.map((r) => this.subscriptions.fromRow(r));
  }
  async deleteSubscription(id: string): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM push_subscriptions WHERE id = ?`, [id])) === 1;
  }
  async deleteSubscriptionByEndpoint(sub: string, endpoint: string): Promise<boolean> {
    const deleted = await this.sql.run(`DELETE FROM push_subscriptions WHERE endpoint = ? AND sub = ?`, [
      endpoint,
      sub,
    ]);
    return deleted === 1;
  }
  async deleteDeviceSubscriptions(deviceId: string): Promise<number> {
    return this.sql.run(`DELETE FROM push_subscriptions WHERE device_id = ?`, [deviceId]);
  }
}

interface PasskeyMaps {
  invitations: TableMapper<OwnerInvitation>;
  passkeys: TableMapper<Passkey>;
  sessions: TableMapper<OwnerSession>;
  challenges: TableMapper<WebAuthnChallenge>;
  assertions: TableMapper<ApprovalAssertion>;
}

/**
 * Builds the store bundle over one SQL session. `transaction(fn)` opens a database
 * transaction and hands `fn` the same stores over the transaction's session: their
 * statements run inside it. Mappers and read caches are shared by both bundles.
 */
export function createSqlStores(
  dataSource: DataSource,
  sql: SqlSession,
  limits: LimitStore,
  close: () => Promise<void>,
): Stores {
  const maps = {
    clients: new TableMapper<Client>(dataSource, ClientEntity),
    owners: new TableMapper<Owner>(dataSource, OwnerEntity),
    devices: new TableMapper<OwnerDevice>(dataSource, OwnerDeviceEntity),
    authRequests: new TableMapper<AuthRequest>(dataSource, AuthRequestEntity),
    refreshTokens: new TableMapper<RefreshTokenRecord>(dataSource, RefreshTokenEntity),
    signingKeys: new TableMapper<SigningKeyRecord>(dataSource, SigningKeyEntity),
    encryptionKeys: new TableMapper<EncryptionKeyRecord>(dataSource, EncryptionKeyEntity),
    outbox: new TableMapper<OutboxMessage>(dataSource, OutboxEntity),
    audit: new TableMapper<AuditEvent>(dataSource, AuditEventEntity),
  };
  const passkeyMaps: PasskeyMaps = {
    invitations: new TableMapper<OwnerInvitation>(dataSource, OwnerInvitationEntity),
    passkeys: new TableMapper<Passkey>(dataSource, PasskeyEntity),
    sessions: new TableMapper<OwnerSession>(dataSource, OwnerSessionEntity),
    challenges: new TableMapper<WebAuthnChallenge>(dataSource, WebAuthnChallengeEntity),
    assertions: new TableMapper<ApprovalAssertion>(dataSource, ApprovalAssertionEntity),
  };
  const pushMaps = {
    vapid: new TableMapper<VapidKeyRecord>(dataSource, VapidKeyEntity),
    subscriptions: new TableMapper<PushSubscriptionRecord>(dataSource, PushSubscriptionEntity),
  };
  const caches = { clients: new ReadCache(), owners: new ReadCache(), devices: new ReadCache() };
  const over = (session: SqlSession): Stores => {
    const stores: Stores = {
      clients: new SqlClientStore(session, maps.clients, caches.clients),
      owners: new SqlOwnerStore(session, maps.owners, maps.devices, caches.owners, caches.devices),
      authRequests: new SqlAuthRequestStore(session, maps.authRequests),
      replay: new SqlReplayStore(session),
      refreshTokens: new SqlRefreshTokenStore(session, maps.refreshTokens),
      revocations: new SqlRevocationStore(session),
      signingKeys: new SqlKeyStore(session, maps.signingKeys, 'signing_keys') satisfies SigningKeyStore,
      encryptionKeys: new SqlKeyStore(session, maps.encryptionKeys, 'encryption_keys') satisfies EncryptionKeyStore,
      outbox: new SqlOutboxStore(session, maps.outbox),
      audit: new SqlAuditStore(session, maps.audit),
      passkeys: new SqlPasskeyStore(session, passkeyMaps),
      push: new SqlOwnerPushStore(session, pushMaps.vapid, pushMaps.subscriptions),
      limits,
      transaction: (fn) => session.transaction((tx) => fn(tx === session ? stores : over(tx))),
      close,
    };
    return stores;
  };
  return over(sql);
}
