import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ALL_MIGRATIONS } from './migrations/all-migrations';
import { openStores } from './open-stores';
import { runStoreContract } from './store-contract';

runStoreContract('SQLite (in memory)', () => openStores({ databaseUrl: 'sqlite::memory:' }));

describe('SQLite file stores', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a pending request and an outbox message across a restart', async () => {
    const file = path.join(dir, 'nested', 'data', 'onboard.sqlite');
    const first = await openStores({ databaseUrl: `sqlite:${file}` });
    const request = {
      id: 'ar-restart',
      authReqIdHash: 'hash-restart',
      clientId: 'client-a',
      sub: 'sub-alice',
      scope: 'openid',
      deliveryMode: 'ping' as const,
      deliveryAuthReqId: 'clear-id',
      clientNotificationToken: 'cnt',
      status: 'pending' as const,
      createdAt: 1_000,
      expiresAt: 2_000,
      interval: 2,
    };
    const message = {
      id: 'ob-restart',
      authRequestId: 'ar-restart',
      clientId: 'client-a',
      url: 'https://rp.example/cb',
      bearer: 'cnt',
      body: '{"auth_req_id":"clear-id"}',
      attempts: 1,
      nextAttemptAt: 1_500,
      status: 'pending' as const,
      lastError: 'ECONNREFUSED',
      createdAt: 1_000,
    };
    await first.authRequests.create(request);
    await first.outbox.enqueue(message);
    await first.close();

    const second = await openStores({ databaseUrl: file });
    try {
      expect(await second.authRequests.findByAuthReqIdHash('hash-restart')).toEqual(request);
      expect(await second.authRequests.listPendingForOwner('sub-alice', 1_100)).toEqual([request]);
      expect(await second.outbox.due(1_500, 10)).toEqual([message]);
    } finally {
      await second.close();
    }
  });

  it('runs in WAL mode and applies migrations once across reopenings', async () => {
    const file = path.join(dir, 'onboard.sqlite');
    await (await openStores({ databaseUrl: `sqlite:${file}` })).close();
    const reopened = await openStores({ databaseUrl: `sqlite:${file}` });
    await reopened.clients.list();
    await reopened.close();
    const Database = require('better-sqlite3');
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT count(*) AS n FROM migrations').get().n).toBe(ALL_MIGRATIONS.length);
    } finally {
      db.close();
    }
  });
});
