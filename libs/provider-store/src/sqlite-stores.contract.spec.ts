import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ALL_MIGRATIONS } from './migrations/all-migrations';
import { openStores } from './open-stores';
import { runStoreContract } from './testing';

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
      kind: 'client_notification' as const,
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

  describe('read caches of clients, owners and owner devices', () => {
    const client = {
      clientId: 'client-cached',
      clientSecretHash: 'h',
      tokenEndpointAuthMethod: 'client_secret_basic' as const,
      grantTypes: ['urn:openid:params:grant-type:ciba'],
      backchannelTokenDeliveryMode: 'ping' as const,
      backchannelUserCodeParameter: false,
      dpopBoundAccessTokens: false,
      fapiCiba: false,
      metadata: { nested: { list: [1] } },
      disabled: false,
      createdAt: 1_000,
    };
    const owner = { sub: 'sub-cached', email: 'Cached@Example.com', disabled: false, createdAt: 1_000 };
    const device = {
      id: 'dev-cached',
      sub: 'sub-cached',
      credentialHash: 'cred-hash',
      disabled: false,
      createdAt: 1_000,
    };

    it('return what this store last saved', async () => {
      const stores = await openStores({ databaseUrl: `sqlite:${path.join(dir, 'onboard.sqlite')}` });
      try {
        await stores.clients.save(client);
        await stores.owners.save(owner);
        await stores.owners.saveDevice(device);
        expect(await stores.clients.find(client.clientId)).toEqual(client);
        expect(await stores.owners.findByHint('cached@example.com')).toEqual(owner);
        expect(await stores.owners.findDeviceByCredentialHash('cred-hash')).toEqual(device);
        await stores.clients.save({ ...client, disabled: true });
        await stores.owners.save({ ...owner, email: 'moved@example.com' });
        await stores.owners.saveDevice({ ...device, disabled: true });
        expect((await stores.clients.find(client.clientId))?.disabled).toBe(true);
        expect(await stores.owners.findByHint('cached@example.com')).toBeUndefined();
        expect((await stores.owners.findDeviceByCredentialHash('cred-hash'))?.disabled).toBe(true);
        await stores.clients.delete(client.clientId);
        expect(await stores.clients.find(client.clientId)).toBeUndefined();
      } finally {
        await stores.close();
      }
    });

    it('see a change committed by another process (e.g. the admin CLI) on the next read', async () => {
      const file = path.join(dir, 'onboard.sqlite');
      const server = await openStores({ databaseUrl: `sqlite:${file}` });
      const cli = await openStores({ databaseUrl: `sqlite:${file}` });
      try {
        await server.clients.save(client);
        await server.owners.save(owner);
        await server.owners.saveDevice(device);
        expect((await server.clients.find(client.clientId))?.disabled).toBe(false);
        expect((await server.owners.find(owner.sub))?.disabled).toBe(false);
        expect((await server.owners.findDeviceByCredentialHash('cred-hash'))?.disabled).toBe(false);
        await cli.clients.save({ ...client, disabled: true });
        await cli.owners.save({ ...owner, disabled: true });
        await cli.owners.saveDevice({ ...device, disabled: true });
        expect((await server.clients.find(client.clientId))?.disabled).toBe(true);
        expect((await server.owners.find(owner.sub))?.disabled).toBe(true);
        expect((await server.owners.findDeviceByCredentialHash('cred-hash'))?.disabled).toBe(true);
      } finally {
        await cli.close();
        await server.close();
      }
    });

    it('hand every caller its own object', async () => {
      const stores = await openStores({ databaseUrl: `sqlite:${path.join(dir, 'onboard.sqlite')}` });
      try {
        await stores.clients.save(client);
        const first = await stores.clients.find(client.clientId);
        (first!.metadata as { nested: { list: number[] } }).nested.list.push(2);
        first!.disabled = true;
        expect(await stores.clients.find(client.clientId)).toEqual(client);
      } finally {
        await stores.close();
      }
    });
  });
});
