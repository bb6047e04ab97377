import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { openStores, type OpenStoresOptions } from '../open-stores';
import { describePostgres, dropPostgresSchema, postgresTestSchemaName } from '@onboard/sql-kit/testing';
import { InitialSchema1767225600000 } from './1767225600000-initial-schema.migration';
import { ALL_MIGRATIONS } from './all-migrations';

const T0 = 1_800_000_000_000;
const OLD_PRIVATE_JWK = { kty: 'RSA', n: 'n', e: 'AQAB', d: 'd' };
const OLD_EC_PRIVATE_JWK = { kty: 'EC', crv: 'P-256', d: 'd' };

/*
 * Upgrading a database that holds rows written under the initial schema: the later
 * migrations keep the rows, number old audit events in their former list order
 * (at, then id) and leave new fields absent.
 */
const SEED = [
  `INSERT INTO auth_requests (id, auth_req_id_hash, client_id, sub, scope, delivery_mode, status, created_at,
     expires_at, "interval", approved_by)
   VALUES ('ar-old', 'hash-old', 'client-a', 'sub-alice', 'openid', 'poll', 'approved', ${T0}, ${T0 + 60_000}, 2,
     'dev-1')`,
  `INSERT INTO auth_requests (id, auth_req_id_hash, client_id, sub, scope, delivery_mode, status, created_at,
     expires_at, "interval")
   VALUES ('ar-pending', 'hash-pending', 'client-a', 'sub-alice', 'openid', 'ping', 'pending', ${T0}, ${T0 + 60_000}, 2)`,
  `INSERT INTO audit_events (id, at, type, auth_request_id) VALUES ('old-b', ${T0}, 'auth_request.approved', 'ar-old')`,
  `INSERT INTO audit_events (id, at, type, auth_request_id) VALUES ('old-a', ${T0}, 'auth_request.created', 'ar-old')`,
  `INSERT INTO audit_events (id, at, type, auth_request_id) VALUES ('old-0', ${T0 - 1}, 'x.happened', 'ar-old')`,
  // A signing key as the initial schema stored it: the private JWK in clear.
  `INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, status, created_at)
   VALUES ('kid-old', 'PS256', '${JSON.stringify(OLD_PRIVATE_JWK)}', '{"kty":"RSA","n":"n","e":"AQAB"}', 'active', ${T0})`,
  ...['ob-pending', 'ob-delivered'].map(
    (id) => `INSERT INTO outbox (id, auth_request_id, client_id, url, bearer, body, attempts, next_attempt_at, status,
       created_at)
     VALUES ('${id}', 'ar-old', 'client-a', 'https://rp.example/cb', 'bearer', '{}', 1, ${T0}, '${id.slice(3)}', ${T0})`,
  ),
];

async function seedInitialSchema(options: DataSourceOptions): Promise<void> {
  const dataSource = new DataSource({
    ...options,
    entities: [],
    migrations: [InitialSchema1767225600000],
    migrationsRun: false,
    synchronize: false,
  } as DataSourceOptions);
  await dataSource.initialize();
  try {
    if (options.type === 'postgres' && options.schema) {
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    }
    await dataSource.runMigrations({ transaction: 'all' });
    for (const sql of SEED) await dataSource.query(sql);
  } finally {
    await dataSource.destroy();
  }
}

function upgradeTests(open: () => { seed: DataSourceOptions; stores: OpenStoresOptions }): void {
  it('keeps rows written under the initial schema and orders old and new audit events', async () => {
    const target = open();
    await seedInitialSchema(target.seed);
    const stores = await openStores(target.stores);
    try {
      const old = await stores.authRequests.find('ar-old');
      expect(old?.approvedBy).toBe('dev-1');
      expect(old).not.toHaveProperty('approvedAt');
      expect(old).not.toHaveProperty('dpopJkt');
      const consumed = await stores.authRequests.transition('ar-old', 'approved', {
        status: 'consumed',
        approvedAt: T0 + 1,
      });
      expect(consumed?.approvedAt).toBe(T0 + 1);

      await stores.audit.append({ id: 'new-z', at: T0, type: 'tokens.issued', authRequestId: 'ar-old' });
      await stores.audit.append({ id: 'new-c', at: T0, type: 'auth_request.consumed', authRequestId: 'ar-old' });
      const ids = (await stores.audit.list({ authRequestId: 'ar-old' })).map((e) => e.id);
      expect(ids).toEqual(['old-0', 'old-a', 'old-b', 'new-z', 'new-c']);

      // A request pending before the upgrade is found through the pending-only indexes.
      expect((await stores.authRequests.listPendingForOwner('sub-alice', T0)).map((r) => r.id)).toEqual(['ar-pending']);
      expect((await stores.authRequests.listExpiredPendingWithDelivery(T0 + 60_000, 10)).map((r) => r.id)).toEqual([
        'ar-pending',
      ]);
      await stores.authRequests.transition('ar-pending', 'pending', { status: 'approved', authTime: T0 + 2 });
      expect(await stores.authRequests.listPendingForOwner('sub-alice', T0)).toEqual([]);
      expect(await stores.authRequests.listExpiredPendingWithDelivery(T0 + 60_000, 10)).toEqual([]);

      // A key stored in clear keeps its private JWK until the key ring wraps it, which
      // then empties the clear column.
      const [oldKey] = await stores.signingKeys.list();
      expect(oldKey).toEqual({
        kid: 'kid-old',
        alg: 'PS256',
        privateJwk: OLD_PRIVATE_JWK,
        publicJwk: { kty: 'RSA', n: 'n', e: 'AQAB' },
        status: 'active',
        createdAt: T0,
      });
      const { privateJwk: _clear, ...wrapped } = { ...oldKey, wrappedPrivateKey: 'eyJ.wrapped' };
      await stores.signingKeys.save(wrapped);
      expect(await stores.signingKeys.list()).toEqual([wrapped]);

      // The outbox backlog is found through the pending-only index; a delivered message leaves it.
      // Messages from before kinds existed are CIBA client notifications.
      expect((await stores.outbox.due(T0, 10)).map((m) => [m.id, m.kind])).toEqual([
        ['ob-pending', 'client_notification'],
      ]);
      await stores.outbox.update('ob-pending', { status: 'delivered' });
      expect(await stores.outbox.due(T0, 10)).toEqual([]);
    } finally {
      await stores.close();
    }
  });

  it('reverts the newest migration with its rows and applies it again', async () => {
    const target = open();
    await seedInitialSchema(target.seed);
    const ids = ['old-0', 'old-a', 'old-b', 'new-1'];
    let stores = await openStores(target.stores);
    try {
      await stores.audit.append({ id: 'new-1', at: T0, type: 'tokens.issued', authRequestId: 'ar-old' });
    } finally {
      await stores.close();
    }
    await undoLastMigration(target.seed);
    stores = await openStores(target.stores);
    try {
      // Reapplied on open: the rows, their order and the outbox backlog survive both ways.
      expect((await stores.audit.list({ authRequestId: 'ar-old' })).map((e) => e.id)).toEqual(ids);
      await stores.audit.append({ id: 'new-2', at: T0, type: 'tokens.issued', authRequestId: 'ar-old' });
      expect((await stores.audit.list({ authRequestId: 'ar-old' })).map((e) => e.id)).toEqual([...ids, 'new-2']);
      expect((await stores.outbox.due(T0, 10)).map((m) => m.id)).toEqual(['ob-pending']);
    } finally {
      await stores.close();
    }
  });

  it('keeps an encryption key stored in clear through WrappedEncryptionKeys, whose down refuses to drop wrapped keys', async () => {
    const target = open();
    await seedInitialSchema(target.seed);
    await (await openStores(target.stores)).close();
    // The schema before encryption keys were wrapped, with a key as it stored them.
    await undoLastMigration(target.seed, 'WrappedEncryptionKeys1770681600000');
    await runRaw(
      target.seed,
      `INSERT INTO encryption_keys (kid, alg, private_jwk, public_jwk, status, created_at)
       VALUES ('enc-old', 'ECDH-ES+A256KW', '${JSON.stringify(OLD_EC_PRIVATE_JWK)}', '{"kty":"EC","crv":"P-256"}', 'active', ${T0})`,
    );
    let stores = await openStores(target.stores);
    let wrapped;
    try {
      const [oldKey] = await stores.encryptionKeys.list();
      expect(oldKey).toEqual({
        kid: 'enc-old',
        alg: 'ECDH-ES+A256KW',
        privateJwk: OLD_EC_PRIVATE_JWK,
        publicJwk: { kty: 'EC', crv: 'P-256' },
        status: 'active',
        createdAt: T0,
      });
      const { privateJwk: _clear, ...rest } = { ...oldKey, wrappedPrivateKey: 'eyJ.wrapped' };
      wrapped = rest;
      await stores.encryptionKeys.save(wrapped);
      expect(await stores.encryptionKeys.list()).toEqual([wrapped]);
    } finally {
      await stores.close();
    }
    await expect(undoLastMigration(target.seed, 'WrappedEncryptionKeys1770681600000')).rejects.toThrow(
      /encryption_keys holds 1 wrapped key\(s\).*would be lost/,
    );
    stores = await openStores(target.stores);
    try {
      expect(await stores.encryptionKeys.list()).toEqual([wrapped]);
    } finally {
      await stores.close();
    }
  });
}

/** Runs one statement over a raw connection of `options` (no entities, no migrations). */
async function runRaw(options: DataSourceOptions, sql: string): Promise<void> {
  const dataSource = new DataSource({ ...options, entities: [], migrations: [] } as DataSourceOptions);
  await dataSource.initialize();
  try {
    await dataSource.query(sql);
  } finally {
    await dataSource.destroy();
  }
}

/** Undo the newest migrations, down to and including the one named `through` (default: the newest). */
async function undoLastMigration(options: DataSourceOptions, through?: string): Promise<void> {
  const dataSource = new DataSource({
    ...options,
    entities: [],
    migrations: ALL_MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
  } as DataSourceOptions);
  await dataSource.initialize();
  try {
    const at = through === undefined ? ALL_MIGRATIONS.length - 1 : ALL_MIGRATIONS.findIndex((m) => m.name === through);
    if (at < 0) throw new Error(`no migration ${through}`);
    for (let i = ALL_MIGRATIONS.length - 1; i >= at; i--) await dataSource.undoLastMigration({ transaction: 'all' });
  } finally {
    await dataSource.destroy();
  }
}

describe('migrations on SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-migrate-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  upgradeTests(() => {
    const file = path.join(dir, 'onboard.sqlite');
    return { seed: { type: 'better-sqlite3', database: file }, stores: { databaseUrl: `sqlite:${file}` } };
  });

  it("answers the owner's list and the expiry sweep from the pending-only indexes", async () => {
    await withMigratedSqlite(path.join(dir, 'onboard.sqlite'), async (db) => {
      const indexes = (
        (await db.query(`SELECT name FROM sqlite_master WHERE tbl_name = 'auth_requests'`)) as { name: string }[]
      ).map((r) => r.name);
      expect(indexes).toEqual(
        expect.arrayContaining(['idx_auth_requests_pending_owner', 'idx_auth_requests_pending_expiry']),
      );
      expect(indexes).not.toContain('idx_auth_requests_owner_pending');
      expect(indexes).not.toContain('idx_auth_requests_status_expires');
      const plan = (sql: string, params: unknown[]) => queryPlan(db, sql, params);
      expect(
        await plan(
          `SELECT * FROM auth_requests WHERE sub = ? AND status = 'pending' AND expires_at > ? ORDER BY created_at, id`,
          ['s', 1],
        ),
      ).toContain('idx_auth_requests_pending_owner');
      expect(
        await plan(
          `SELECT * FROM auth_requests WHERE status = 'pending' AND expires_at <= ? AND delivery_mode <> 'poll' ORDER BY expires_at, id LIMIT ?`,
          [1, 10],
        ),
      ).toContain('idx_auth_requests_pending_expiry');
    });
  });

  it('appends audit events to the rowid and three query indexes, and every flow statement finds its index', async () => {
    await withMigratedSqlite(path.join(dir, 'onboard.sqlite'), async (db) => {
      // No AUTOINCREMENT (no sqlite_sequence row rewritten per insert), no unique index on `id`.
      expect(await tableSql(db, 'audit_events')).toMatch(/seq INTEGER PRIMARY KEY,/);
      expect(await tableSql(db, 'audit_events')).not.toMatch(/AUTOINCREMENT|UNIQUE/);
      expect(await indexNames(db, 'audit_events')).toEqual([
        'idx_audit_events_at_seq',
        'idx_audit_events_auth_request_id',
        'idx_audit_events_sub',
      ]);
      expect(await indexNames(db, 'outbox')).toEqual([
        'idx_outbox_pending_next_attempt_at',
        'sqlite_autoindex_outbox_1',
      ]);
      const plan = (sql: string, params: unknown[]) => queryPlan(db, sql, params);
      // audit.list: each filter by its own index, the unfiltered list in (at, seq) order.
      expect(await plan(`SELECT * FROM audit_events WHERE sub = ? ORDER BY at, seq LIMIT ?`, ['s', 10])).toContain(
        'idx_audit_events_sub',
      );
      expect(
        await plan(`SELECT * FROM audit_events WHERE auth_request_id = ? ORDER BY at, seq LIMIT ?`, ['a', 10]),
      ).toContain('idx_audit_events_auth_request_id');
      expect(await plan(`SELECT * FROM audit_events ORDER BY at, seq LIMIT ?`, [10])).toContain(
        'idx_audit_events_at_seq',
      );
      // outbox.due: the pending-only index.
      expect(
        await plan(
          `SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at, id LIMIT ?`,
          [1, 10],
        ),
      ).toContain('idx_outbox_pending_next_attempt_at');
      // The grant's consume-once by auth_req_id hash, and the retention sweep, which deletes
      // requests of every status and so still needs the full `expires_at` index.
      expect(
        await plan(`UPDATE auth_requests SET status = ? WHERE auth_req_id_hash = ? AND status = ?`, ['c', 'h', 'a']),
      ).toContain('uq_auth_requests_auth_req_id_hash');
      expect(await plan(`DELETE FROM auth_requests WHERE expires_at < ?`, [1])).toContain(
        'idx_auth_requests_expires_at',
      );
    });
  });

  it('deletes finished outbox messages through a primary-key range, not a table scan', async () => {
    await withMigratedSqlite(path.join(dir, 'onboard.sqlite'), async (db) => {
      // The statement of SqlOutboxStore.deleteFinished: no index beyond the primary key, which
      // both the batch's subquery and the delete walk as a range.
      const rows = (await db.query(
        `EXPLAIN QUERY PLAN DELETE FROM outbox WHERE id <= (
           SELECT max(id) FROM (
             SELECT id FROM outbox WHERE id < ? AND status <> 'pending' AND created_at < ? ORDER BY id LIMIT ?
           ) AS batch
         ) AND status <> 'pending' AND created_at < ?`,
        ['01900000-0000-0000-0000-000000000000', T0, 1000, T0],
      )) as { detail: string }[];
      const plan = rows.map((r) => r.detail);
      expect(plan.filter((d) => d === 'SEARCH outbox USING INDEX sqlite_autoindex_outbox_1 (id<?)')).toHaveLength(2);
      expect(plan.join('; ')).not.toMatch(/SCAN|TEMP B-TREE/);
    });
  });

  it("AppendOnlyAuditPendingOutbox's down restores AUTOINCREMENT, the unique id and the outbox status index", async () => {
    const file = path.join(dir, 'onboard.sqlite');
    const stores = await openStores({ databaseUrl: `sqlite:${file}` });
    try {
      await stores.audit.append({ id: 'e-1', at: T0, type: 'x.happened', sub: 'sub-alice' });
      await stores.audit.append({ id: 'e-2', at: T0, type: 'x.happened', sub: 'sub-alice' });
    } finally {
      await stores.close();
    }
    await undoMigrationsThrough(
      { type: 'better-sqlite3', database: file },
      'AppendOnlyAuditPendingOutbox1769644800000',
    );
    await withRawSqlite(file, async (db) => {
      expect(await tableSql(db, 'audit_events')).toMatch(
        /seq INTEGER PRIMARY KEY AUTOINCREMENT,\s*id TEXT NOT NULL UNIQUE/,
      );
      expect(await indexNames(db, 'outbox')).toEqual([
        'idx_outbox_status_next_attempt_at',
        'sqlite_autoindex_outbox_1',
      ]);
      // The copied rows keep their numbers and the sequence continues after them.
      expect(await db.query(`SELECT seq, id FROM audit_events ORDER BY seq`)).toEqual([
        { seq: 1, id: 'e-1' },
        { seq: 2, id: 'e-2' },
      ]);
      expect(await db.query(`SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'`)).toEqual([{ seq: 2 }]);
    });
  });

  it("revokes an owner's refresh tokens through idx_refresh_tokens_sub, and its down drops the owner and grant watermarks", async () => {
    const file = path.join(dir, 'onboard.sqlite');
    await withMigratedSqlite(file, async (db) => {
      expect(await indexNames(db, 'refresh_tokens')).toContain('idx_refresh_tokens_sub');
      // SqlRefreshTokenStore.revokeSubject
      expect(
        await queryPlan(db, `UPDATE refresh_tokens SET revoked = ? WHERE sub = ? AND revoked = ?`, [1, 's', 0]),
      ).toContain('idx_refresh_tokens_sub');
    });
    await undoMigrationsThrough({ type: 'better-sqlite3', database: file }, 'OwnerTokenWatermarks1770336000000');
    await withRawSqlite(file, async (db) => {
      expect(await indexNames(db, 'refresh_tokens')).not.toContain('idx_refresh_tokens_sub');
      expect(await tableSql(db, 'owners')).not.toContain('disabled_at');
      expect(await tableSql(db, 'auth_requests')).not.toContain('grant_id');
    });
    // Applied again on the next open.
    const stores = await openStores({ databaseUrl: `sqlite:${file}` });
    try {
      await stores.owners.save({ sub: 's', disabled: true, disabledAt: T0, createdAt: T0 });
      expect((await stores.owners.find('s'))?.disabledAt).toBe(T0);
    } finally {
      await stores.close();
    }
  });
});

/** Reverts migrations, newest first, until `name` has been reverted too. */
async function undoMigrationsThrough(options: DataSourceOptions, name: string): Promise<void> {
  const index = ALL_MIGRATIONS.findIndex((m) => m.name === name);
  if (index < 0) throw new Error(`no migration ${name}`);
  for (let i = ALL_MIGRATIONS.length - 1; i >= index; i--) await undoLastMigration(options);
}

describe('WrappedSigningKeys on SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets private_jwk be NULL beside wrapped_private_key, and its down refuses to drop wrapped keys', async () => {
    const file = path.join(dir, 'onboard.sqlite');
    const stores = await openStores({ databaseUrl: `sqlite:${file}` });
    const key = { kid: 'k', alg: 'ES256' as const, publicJwk: { kty: 'EC' }, status: 'active' as const, createdAt: T0 };
    try {
      await stores.signingKeys.save({ ...key, wrappedPrivateKey: 'eyJ.wrapped' });
    } finally {
      await stores.close();
    }
    await withRawSqlite(file, async (db) => {
      expect(await db.query(`SELECT private_jwk, wrapped_private_key FROM signing_keys`)).toEqual([
        { private_jwk: null, wrapped_private_key: 'eyJ.wrapped' },
      ]);
    });
    const seed: DataSourceOptions = { type: 'better-sqlite3', database: file };
    await expect(undoMigrationsThrough(seed, 'WrappedSigningKeys1770249600001')).rejects.toThrow(
      /wrapped key\(s\).*would be lost/,
    );

    await withRawSqlite(file, (db) => db.query(`DELETE FROM signing_keys`));
    const clear = await openStores({ databaseUrl: `sqlite:${file}` });
    try {
      await clear.signingKeys.save({ ...key, privateJwk: { kty: 'EC', d: 'd' } });
    } finally {
      await clear.close();
    }
    await undoMigrationsThrough(seed, 'WrappedSigningKeys1770249600001');
    await withRawSqlite(file, async (db) => {
      expect(await tableSql(db, 'signing_keys')).toMatch(/private_jwk TEXT NOT NULL/);
      expect(await tableSql(db, 'signing_keys')).not.toContain('wrapped_private_key');
      expect(await db.query(`SELECT kid, private_jwk FROM signing_keys`)).toEqual([
        { kid: 'k', private_jwk: '{"kty":"EC","d":"d"}' },
      ]);
    });
  });
});

/** Runs `fn` over a raw connection to `file` (no entities), closed afterwards. */
async function withRawSqlite<T>(file: string, fn: (db: DataSource) => Promise<T>): Promise<T> {
  const db = new DataSource({ type: 'better-sqlite3', database: file, entities: [] });
  await db.initialize();
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** A fresh SQLite file migrated by the stores' own open path, then opened raw for `fn`. */
async function withMigratedSqlite<T>(file: string, fn: (db: DataSource) => Promise<T>): Promise<T> {
  const stores = await openStores({ databaseUrl: `sqlite:${file}` });
  await stores.close();
  return withRawSqlite(file, fn);
}

/** SQLite's query plan of one statement, its details joined with '; '. */
async function queryPlan(db: DataSource, sql: string, params: unknown[]): Promise<string> {
  return ((await db.query(`EXPLAIN QUERY PLAN ${sql}`, params)) as { detail: string }[])
    .map((r) => r.detail)
    .join('; ');
}

async function tableSql(db: DataSource, table: string): Promise<string> {
  const [row] = (await db.query(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, [table])) as {
    sql: string;
  }[];
  return row.sql;
}

async function indexNames(db: DataSource, table: string): Promise<string[]> {
  const rows = (await db.query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`, [
    table,
  ])) as { name: string }[];
  return rows.map((r) => r.name);
}

describePostgres('migrations on PostgreSQL', (url) => {
  const schemas: string[] = [];
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await dropPostgresSchema(url, schema);
  });

  upgradeTests(() => {
    const schema = postgresTestSchemaName();
    schemas.push(schema);
    return {
      // seedInitialSchema creates the schema; openStores then finds it.
      seed: { type: 'postgres', url, schema, extra: { options: `-c search_path=${schema}` } },
      stores: { databaseUrl: url, schema },
    };
  });

  it("reads the audit chain's last hash from the seq index, not by sorting the table", async () => {
    const schema = postgresTestSchemaName();
    schemas.push(schema);
    const db = new DataSource({ type: 'postgres', url, entities: [], extra: { options: `-c search_path=${schema}` } });
    await db.initialize();
    try {
      await db.query(`CREATE SCHEMA "${schema}"`);
      await (await openStores({ databaseUrl: url, schema })).close();
      // A few rows make any plan cheap: with sequential scans priced out, the plan shows the
      // index the read can use (a million events took a parallel scan and sort per append).
      const plan = await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL enable_seqscan = off`);
        const rows = (await tx.query(`EXPLAIN SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1`)) as {
          'QUERY PLAN': string;
        }[];
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan).toContain('Index Scan Backward using uq_audit_events_seq');
      expect(plan).not.toContain('Sort');
    } finally {
      await db.destroy();
    }
  });
});
