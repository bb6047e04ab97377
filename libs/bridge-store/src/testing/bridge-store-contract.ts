import type { BridgeStore, DeviceRecord, NewRelayRecord } from '@onboard/bridge-core';

const sig = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', use: 'sig', kid: 's1' };
const enc = { kty: 'OKP', crv: 'X25519', x: 'z', use: 'enc', alg: 'ECDH-ES+A256KW', kid: 'e1' };

function device(deviceId: string, over: Partial<DeviceRecord> = {}): DeviceRecord {
  return { deviceId, publicJwks: [sig, enc], status: 'active', createdAt: 1_000, updatedAt: 1_000, ...over };
}

function verification(requestId: string, over: Partial<NewRelayRecord> = {}): NewRelayRecord {
  return {
    deviceId: 'hu-1',
    requestId,
    kind: 'verification',
    fingerprint: `fp-${requestId}`,
    notificationTokenHash: `th-${requestId}`,
    createdAt: 1_000,
    ...over,
  };
}

/**
 * The one contract every {@link BridgeStore} passes: in-memory, SQLite and PostgreSQL alike
 * (STYLE §14). `open` returns a fresh, empty store; the suite closes it.
 * @example runBridgeStoreContract('SQLite', () => openBridgeStores({ databaseUrl: 'sqlite::memory:' }));
 */
export function runBridgeStoreContract(name: string, open: () => Promise<BridgeStore>): void {
  describe(`bridge store contract: ${name}`, () => {
    let store: BridgeStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('device registry', () => {
      it('saves a device and finds it with every field', async () => {
        await store.devices.save(device('hu-1'));
        expect(await store.devices.find('hu-1')).toEqual(device('hu-1'));
        expect(await store.devices.find('hu-2')).toBeUndefined();
      });

      it('replaces a registration with the same id', async () => {
        await store.devices.save(device('hu-1'));
        await store.devices.save(device('hu-1', { publicJwks: [sig], status: 'disabled', updatedAt: 2_000 }));
        expect(await store.devices.find('hu-1')).toEqual(
          device('hu-1', { publicJwks: [sig], status: 'disabled', updatedAt: 2_000 }),
        );
      });

      it('changes the status of a known device only', async () => {
        await store.devices.save(device('hu-1'));
        expect(await store.devices.setStatus('hu-1', 'revoked', 5_000)).toBe(true);
        expect(await store.devices.setStatus('hu-9', 'revoked', 5_000)).toBe(false);
        expect(await store.devices.find('hu-1')).toMatchObject({
          status: 'revoked',
          updatedAt: 5_000,
          createdAt: 1_000,
        });
      });

      it('lists devices in byte order of their ids, page by page, filtered by status', async () => {
        for (const id of ['b-2', 'B-1', 'a_3', 'a-3', 'c']) await store.devices.save(device(id));
        await store.devices.setStatus('c', 'disabled', 2_000);
        const ids = (records: DeviceRecord[]) => records.map((d) => d.deviceId);
        expect(ids(await store.devices.list())).toEqual(['B-1', 'a-3', 'a_3', 'b-2', 'c']);
        expect(ids(await store.devices.list({ limit: 2 }))).toEqual(['B-1', 'a-3']);
        expect(ids(await store.devices.list({ after: 'a-3', limit: 2 }))).toEqual(['a_3', 'b-2']);
        expect(ids(await store.devices.list({ status: 'disabled' }))).toEqual(['c']);
        expect(ids(await store.devices.list({ status: 'active', after: 'a_3' }))).toEqual(['b-2']);
      });
    });

    describe('request ledger', () => {
      it('creates an entry once per device and request id and returns the existing one after', async () => {
        const first = await store.relays.claim(verification('r1'));
        expect(first).toEqual({
          outcome: 'created',
          record: { ...verification('r1'), state: 'relayed', updatedAt: 1_000 },
        });
        const again = await store.relays.claim(
          verification('r1', { fingerprint: 'other', notificationTokenHash: 'x' }),
        );
        expect(again).toEqual({
          outcome: 'exists',
          record: { ...verification('r1'), state: 'relayed', updatedAt: 1_000 },
        });
        expect(
          (await store.relays.claim(verification('r1', { deviceId: 'hu-2', notificationTokenHash: 'y' }))).outcome,
        ).toBe('created');
      });

      it('refuses a second entry with the same notification token hash', async () => {
        await store.relays.claim(verification('r1'));
        expect(await store.relays.claim(verification('r2', { notificationTokenHash: 'th-r1' }))).toEqual({
          outcome: 'token_in_use',
        });
        expect(await store.relays.find('hu-1', 'r2')).toBeUndefined();
        // refreshes carry no token hash: many may coexist
        const refresh = { kind: 'refresh' as const, notificationTokenHash: undefined };
        expect((await store.relays.claim(verification('r3', refresh))).outcome).toBe('created');
        expect((await store.relays.claim(verification('r4', refresh))).outcome).toBe('created');
        expect(await store.relays.find('hu-1', 'r4')).toEqual({
          ...verification('r4', refresh),
          notificationTokenHash: undefined,
          state: 'relayed',
          updatedAt: 1_000,
        });
      });

      it('finds an entry by its notification token hash', async () => {
        await store.relays.claim(verification('r1'));
        expect(await store.relays.findByNotificationTokenHash('th-r1')).toMatchObject({ requestId: 'r1' });
        expect(await store.relays.findByNotificationTokenHash('th-zz')).toBeUndefined();
      });

      it('records the acknowledgement once and moves relayed to acknowledged', async () => {
        await store.relays.claim(verification('r1'));
        const acked = await store.relays.acknowledge('hu-1', 'r1', { authReqId: 'ar-1', authExpiresAt: 9_000 }, 2_000);
        expect(acked).toMatchObject({
          state: 'acknowledged',
          authReqId: 'ar-1',
          authExpiresAt: 9_000,
          updatedAt: 2_000,
        });
        const again = await store.relays.acknowledge('hu-1', 'r1', { authReqId: 'ar-2', authExpiresAt: 1 }, 3_000);
        expect(again).toMatchObject({ state: 'acknowledged', authReqId: 'ar-1', authExpiresAt: 9_000 });
        expect(
          await store.relays.acknowledge('hu-1', 'zz', { authReqId: 'a', authExpiresAt: 1 }, 3_000),
        ).toBeUndefined();
      });

      it('stores an outcome once, also before the acknowledgement, and keeps the state of a result', async () => {
        await store.relays.claim(verification('r1'));
        const approved = { status: 'approved' as const, encryptedTokenResponse: 'a.b.c.d.e' };
        expect(await store.relays.storeOutcome('hu-1', 'r1', approved, 2_000, 'ar-1')).toBe(true);
        expect(await store.relays.storeOutcome('hu-1', 'r1', approved, 2_500, 'ar-1')).toBe(false);
        const acked = await store.relays.acknowledge('hu-1', 'r1', { authReqId: 'ar-1', authExpiresAt: 9_000 }, 3_000);
        expect(acked).toEqual({
          ...verification('r1'),
          state: 'result_ready',
          authReqId: 'ar-1',
          authExpiresAt: 9_000,
          outcome: approved,
          updatedAt: 3_000,
        });
        expect(await store.relays.storeOutcome('hu-1', 'zz', approved, 2_000)).toBe(false);
      });

      it('keeps an error outcome with and without a description', async () => {
        await store.relays.claim(verification('r1'));
        await store.relays.claim(verification('r2'));
        const denied = { status: 'denied' as const, error: 'access_denied', errorDescription: 'no' };
        const failed = { status: 'failed' as const, error: 'invalid_client' };
        await store.relays.storeOutcome('hu-1', 'r1', denied, 2_000);
        await store.relays.storeOutcome('hu-1', 'r2', failed, 2_000);
        expect((await store.relays.find('hu-1', 'r1'))?.outcome).toEqual(denied);
        expect((await store.relays.find('hu-1', 'r2'))?.outcome).toEqual(failed);
      });

      it('lists undelivered results of one device, oldest first, until the device confirms them', async () => {
        for (const id of ['r1', 'r2', 'r3']) await store.relays.claim(verification(id));
        await store.relays.claim(verification('r1', { deviceId: 'hu-2', notificationTokenHash: 'other' }));
        const tokens = { status: 'approved' as const, encryptedTokenResponse: 'a.b.c.d.e' };
        await store.relays.storeOutcome('hu-1', 'r2', tokens, 2_000);
        await store.relays.storeOutcome('hu-1', 'r1', tokens, 3_000);
        await store.relays.storeOutcome('hu-2', 'r1', tokens, 1_500);
        expect((await store.relays.undelivered('hu-1')).map((r) => r.requestId)).toEqual(['r2', 'r1']);
        expect(await store.relays.markDelivered('hu-1', 'r2', 4_000)).toBe(true);
        expect(await store.relays.markDelivered('hu-1', 'r2', 4_000)).toBe(false);
        expect(await store.relays.markDelivered('hu-1', 'r3', 4_000)).toBe(false);
        expect((await store.relays.undelivered('hu-1')).map((r) => r.requestId)).toEqual(['r1']);
        expect(await store.relays.find('hu-1', 'r2')).toMatchObject({ state: 'delivered', updatedAt: 4_000 });
      });

      it('cancels pending entries and results, after which no outcome is stored', async () => {
        await store.relays.claim(verification('r1'));
        await store.relays.claim(verification('r2'));
        expect(await store.relays.cancel('hu-1', 'r1', 2_000)).toMatchObject({ state: 'cancelled', updatedAt: 2_000 });
        expect(await store.relays.storeOutcome('hu-1', 'r1', { status: 'denied', error: 'access_denied' }, 3_000)).toBe(
          false,
        );
        expect(await store.relays.cancel('hu-1', 'r1', 4_000)).toMatchObject({ state: 'cancelled', updatedAt: 2_000 });
        await store.relays.storeOutcome('hu-1', 'r2', { status: 'expired', error: 'expired_token' }, 3_000);
        await store.relays.markDelivered('hu-1', 'r2', 3_500);
        expect(await store.relays.cancel('hu-1', 'r2', 4_000)).toMatchObject({ state: 'delivered' });
        expect(await store.relays.cancel('hu-1', 'zz', 4_000)).toBeUndefined();
        expect(await store.relays.undelivered('hu-1')).toEqual([]);
      });

      it('releases only an entry still waiting for the provider', async () => {
        await store.relays.claim(verification('r1'));
        await store.relays.claim(verification('r2'));
        await store.relays.acknowledge('hu-1', 'r2', { authReqId: 'a', authExpiresAt: 9 }, 2_000);
        await store.relays.release('hu-1', 'r1');
        await store.relays.release('hu-1', 'r2');
        expect(await store.relays.find('hu-1', 'r1')).toBeUndefined();
        expect(await store.relays.findByNotificationTokenHash('th-r1')).toBeUndefined();
        expect(await store.relays.find('hu-1', 'r2')).toBeDefined();
        expect((await store.relays.claim(verification('r1'))).outcome).toBe('created');
      });

      it('purges entries last changed before a time', async () => {
        await store.relays.claim(verification('r1'));
        await store.relays.claim(verification('r2', { createdAt: 5_000 }));
        expect(await store.relays.purge(2_000)).toBe(1);
        expect(await store.relays.find('hu-1', 'r1')).toBeUndefined();
        expect(await store.relays.find('hu-1', 'r2')).toBeDefined();
      });

      it('lets exactly one of many concurrent claims of the same id create the entry', async () => {
        const claims = await Promise.all(Array.from({ length: 8 }, () => store.relays.claim(verification('same'))));
        expect(claims.filter((c) => c.outcome === 'created')).toHaveLength(1);
        expect(claims.filter((c) => c.outcome === 'exists')).toHaveLength(7);
      });
    });
  });
}
