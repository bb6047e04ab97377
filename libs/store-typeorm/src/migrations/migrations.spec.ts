import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { openStores, type OpenStoresOptions } from '../open-stores';
import { describePostgres, dropPostgresSchema, postgresTestSchemaName } from '../testing/postgres-test';
import { InitialSchema1767225600000 } from './1767225600000-initial-schema.migration';

const T0 = 1_800_000_000_000;

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
    } finally {
      await stores.close();
    }
  });
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
    const file = path.join(dir, 'onboard.sqlite');
    const stores = await openStores({ databaseUrl: `sqlite:${file}` });
    await stores.close();
    const db = new DataSource({ type: 'better-sqlite3', database: file, entities: [] });
    await db.initialize();
    try {
      const indexes = (
        (await db.query(`SELECT name FROM sqlite_master WHERE tbl_name = 'auth_requests'`)) as { name: string }[]
      ).map((r) => r.name);
      expect(indexes).toEqual(
        expect.arrayContaining(['idx_auth_requests_pending_owner', 'idx_auth_requests_pending_expiry']),
      );
      expect(indexes).not.toContain('idx_auth_requests_owner_pending');
      expect(indexes).not.toContain('idx_auth_requests_status_expires');
      const plan = async (sql: string, params: unknown[]) =>
        ((await db.query(`EXPLAIN QUERY PLAN ${sql}`, params)) as { detail: string }[]).map((r) => r.detail).join('; ');
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
    } finally {
      await db.destroy();
    }
  });
});

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
});
