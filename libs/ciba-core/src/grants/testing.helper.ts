import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import type { Owner, OwnerDevice } from '../domain/owner';
import type { OutboxMessage, RefreshTokenRecord, SigningKeyRecord } from '../domain/tokens';
import type { AuditEvent, Stores } from '../ports/stores.port';
import type { ProviderContext, ProviderSignals } from '../context';
import { noMetrics } from '../context';
import type { Clock } from '../ports/clock.port';
import type { Random } from '../ports/random.port';
import { silentLogger } from '../ports/logger.port';
import { defaultSettings, type ProviderSettings } from '../settings';
import { createKeyRing } from '../keys/key-ring';
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Test support for the token-side specs: small in-memory stores with the same
 * semantics as the store ports (compare-and-set, consume-once), a settable clock
 * and a context builder. Not exported from the library barrel.
 */
export function createFakeStores(): Stores {
  const clients = new Map<string, Client>();
  const owners = new Map<string, Owner>();
  const devices = new Map<string, OwnerDevice>();
  const requests = new Map<string, AuthRequest>();
  const replay = new Map<string, number>();
  const refresh = new Map<string, RefreshTokenRecord>();
  const revokedJti = new Map<string, number>();
  const revokedFamilies = new Map<string, number>();
  const keys = new Map<string, SigningKeyRecord>();
  const outbox = new Map<string, OutboxMessage>();
  const audit: AuditEvent[] = [];
  const copy = <T>(v: T | undefined): T | undefined => (v === undefined ? undefined : structuredClone(v));
  const stores: Stores = {
    clients: {
      save: async (c) => void clients.set(c.clientId, copy(c)!),
      find: async (id) => copy(clients.get(id)),
      list: async () => [...clients.values()].map((c) => copy(c)!),
      delete: async (id) => void clients.delete(id),
    },
    owners: {
      save: async (o) => void owners.set(o.sub, copy(o)!),
      find: async (sub) => copy(owners.get(sub)),
      findByHint: async (hint) =>
        copy(
          [...owners.values()].find(
            (o) => o.sub === hint || o.username === hint || o.phoneNumber === hint || o.email?.toLowerCase() === hint.toLowerCase(),
          ),
        ),
      list: async () => [...owners.values()].map((o) => copy(o)!),
      saveDevice: async (d) => void devices.set(d.id, copy(d)!),
      findDeviceByCredentialHash: async (h) => copy([...devices.values()].find((d) => d.credentialHash === h)),
      listDevices: async (sub) => [...devices.values()].filter((d) => d.sub === sub).map((d) => copy(d)!),
    },
    authRequests: {
      create: async (r) => void requests.set(r.id, copy(r)!),
      find: async (id) => copy(requests.get(id)),
      findByAuthReqIdHash: async (h) => copy([...requests.values()].find((r) => r.authReqIdHash === h)),
      listPendingForOwner: async (sub, now) =>
        [...requests.values()].filter((r) => r.sub === sub && r.status === 'pending' && r.expiresAt > now).map((r) => copy(r)!),
      transition: async (id, from, patch) => {
        const r = requests.get(id);
        if (!r || r.status !== from) return undefined;
        Object.assign(r, patch);
        return copy(r);
      },
      listExpiredPendingWithDelivery: async (now, limit) =>
        [...requests.values()]
          .filter((r) => r.status === 'pending' && r.deliveryMode !== 'poll' && r.expiresAt <= now)
          .slice(0, limit)
          .map((r) => copy(r)!),
      touchPoll: async (id, lastPolledAt, interval) => {
        const r = requests.get(id);
        if (r) Object.assign(r, { lastPolledAt, interval });
      },
      deleteExpired: async () => 0,
    },
    replay: {
      consume: async (key, expiresAt) => {
        if (replay.has(key)) return false;
        replay.set(key, expiresAt);
        return true;
      },
      deleteExpired: async () => 0,
    },
    refreshTokens: {
      save: async (r) => void refresh.set(r.tokenHash, copy(r)!),
      find: async (h) => copy(refresh.get(h)),
      markUsed: async (h, at) => {
        const r = refresh.get(h);
        if (!r || r.usedAt !== undefined) return false;
        r.usedAt = at;
        return true;
      },
      revokeFamily: async (familyId) => {
        for (const r of refresh.values()) if (r.familyId === familyId) r.revoked = true;
      },
      deleteExpired: async () => 0,
    },
    revocations: {
      revoke: async (jti, exp) => void revokedJti.set(jti, exp),
      isRevoked: async (jti) => revokedJti.has(jti),
      revokeFamily: async (f, exp) => void revokedFamilies.set(f, exp),
      isFamilyRevoked: async (f) => revokedFamilies.has(f),
      deleteExpired: async () => 0,
    },
    signingKeys: {
      list: async () => [...keys.values()].map((k) => copy(k)!),
      save: async (k) => void keys.set(k.kid, copy(k)!),
      delete: async (kid) => void keys.delete(kid),
    },
    outbox: {
      enqueue: async (m) => void outbox.set(m.id, copy(m)!),
      due: async (now, limit) =>
        [...outbox.values()].filter((m) => m.status === 'pending' && m.nextAttemptAt <= now).slice(0, limit),
      find: async (id) => copy(outbox.get(id)),
      update: async (id, patch) => void Object.assign(outbox.get(id) ?? {}, patch),
    },
    audit: {
      append: async (e) => void audit.push(copy(e)!),
      list: async (f) =>
        audit.filter((e) => (!f.authRequestId || e.authRequestId === f.authRequestId) && (!f.sub || e.sub === f.sub)),
    },
    transaction: async (fn) => fn(stores),
    close: async () => {},
  };
  return stores;
}

/** A clock tests move by hand. */
export interface TestClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}
export function testClock(start = Date.UTC(2030, 0, 1)): TestClock {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}

export const testRandom: Random = {
  token: (bytes) => randomBytes(bytes).toString('base64url'),
  uuid: () => randomUUID(),
};

/** Signals that resolve waits when a completion is announced (or after the timeout). */
export function testSignals(): ProviderSignals & { waits: { id: string; ms: number }[] } {
  const waiters = new Map<string, (() => void)[]>();
  const waits: { id: string; ms: number }[] = [];
  return {
    waits,
    authRequestCompleted(id) {
      for (const w of waiters.get(id) ?? []) w();
      waiters.delete(id);
    },
    waitForCompletion(id, ms) {
      waits.push({ id, ms });
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(ms, 50));
        waiters.set(id, [...(waiters.get(id) ?? []), () => (clearTimeout(timer), resolve())]);
      });
    },
    ownerRequestCreated() {},
    waitForOwnerRequest: async () => {},
  };
}

export const TEST_ISSUER = 'https://op.example.test';

/** A full ProviderContext over fake stores, a test clock and a fresh key ring. */
export async function testContext(
  overrides: Partial<ProviderSettings> = {},
): Promise<ProviderContext & { clock: TestClock; signals: ReturnType<typeof testSignals> }> {
  const settings = { ...defaultSettings(TEST_ISSUER), ...overrides };
  const stores = createFakeStores();
  const clock = testClock();
  const keys = await createKeyRing(stores.signingKeys, clock, settings);
  return {
    settings,
    stores,
    clock,
    random: testRandom,
    http: { send: async () => ({ status: 204, headers: {}, body: '' }) },
    notifier: { notify() {} },
    logger: silentLogger,
    keys,
    signals: testSignals(),
    metrics: noMetrics,
  };
}

/** A registered poll-mode client with the CIBA and refresh-token grants. */
export function testClient(overrides: Partial<Client> = {}): Client {
  return {
    clientId: 'client-1',
    tokenEndpointAuthMethod: 'client_secret_basic',
    grantTypes: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    backchannelTokenDeliveryMode: 'poll',
    backchannelUserCodeParameter: false,
    dpopBoundAccessTokens: false,
    fapiCiba: false,
    metadata: {},
    disabled: false,
    createdAt: 0,
    ...overrides,
  };
}
