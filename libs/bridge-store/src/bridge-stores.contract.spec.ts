import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMemoryBridgeStore } from '@onboard/bridge-core';
import { DatabaseOpenError } from '@onboard/sql-kit';
import { describePostgres, dropPostgresSchema, postgresTestSchemaName } from '@onboard/sql-kit/testing';
import { runBridgeStoreContract } from './testing';
import { openBridgeStores } from './open-bridge-stores';

runBridgeStoreContract('in-memory', async () => createMemoryBridgeStore());
runBridgeStoreContract('SQLite (in memory)', () => openBridgeStores({ databaseUrl: 'sqlite::memory:' }));

describePostgres('PostgreSQL bridge stores', (url) => {
  runBridgeStoreContract('PostgreSQL', async () => {
    const schema = postgresTestSchemaName();
    const store = await openBridgeStores({ databaseUrl: url, schema });
    const close = store.close;
    store.close = async () => {
      await close();
      await dropPostgresSchema(url, schema);
    };
    return store;
  });
});

describe('SQLite bridge store file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-bridge-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps devices and stored results across a reopen', async () => {
    const file = path.join(dir, 'nested', 'bridge.sqlite');
    const first = await openBridgeStores({ databaseUrl: `sqlite:${file}` });
    await first.devices.save({ deviceId: 'hu-1', publicJwks: [], status: 'active', createdAt: 1, updatedAt: 1 });
    await first.relays.claim({
      deviceId: 'hu-1',
      requestId: 'r1',
      kind: 'verification',
      fingerprint: 'f',
      notificationTokenHash: 't',
      createdAt: 1,
    });
    await first.relays.storeOutcome('hu-1', 'r1', { status: 'approved', encryptedTokenResponse: 'a.b.c.d.e' }, 2, 'ar');
    await first.close();
    const second = await openBridgeStores({ databaseUrl: `sqlite:${file}` });
    try {
      expect(await second.devices.find('hu-1')).toMatchObject({ status: 'active' });
      expect(await second.relays.undelivered('hu-1')).toEqual([
        expect.objectContaining({ requestId: 'r1', authReqId: 'ar', state: 'result_ready' }),
      ]);
    } finally {
      await second.close();
    }
  });
});

describe('bridge database files at rest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-bridge-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const mode = (file: string) => statSync(file).mode & 0o777;

  it('creates the database directory 0700 and the database, -wal and -shm files 0600', async () => {
    const file = path.join(dir, 'data', 'nested', 'bridge.sqlite');
    const store = await openBridgeStores({ databaseUrl: `sqlite:${file}` });
    try {
      expect(mode(path.join(dir, 'data'))).toBe(0o700);
      expect(mode(path.dirname(file))).toBe(0o700);
      for (const name of [file, `${file}-wal`, `${file}-shm`]) expect([name, mode(name)]).toEqual([name, 0o600]);
    } finally {
      await store.close();
    }
  });
});

describe('opening a bridge database that cannot be used', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-bridge-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names BRIDGE_DATABASE_URL for the bridge', async () => {
    const error = await openBridgeStores({ databaseUrl: `sqlite:${dir}` }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as Error).message).toMatch(/^BRIDGE_DATABASE_URL: cannot open the SQLite file .*SQLITE_CANTOPEN/);
  });
});
