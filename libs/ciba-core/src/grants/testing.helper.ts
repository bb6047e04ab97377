import type { Client } from '../domain/client';
import type { Stores } from '../ports/stores.port';
import { createMemoryStores } from '../memory/memory-stores';
import type { ProviderContext, ProviderSignals } from '../context';
import { noMetrics } from '../context';
import { type Clock, type Random, silentLogger } from '@onboard/platform';
import { defaultSettings, type ProviderSettings } from '../settings';
import { createKeyRing } from '../keys/key-ring';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthRequest } from '../domain/auth-request';
import type { WireRequest } from '../wire/wire';

/**
 * Test support for the token-side specs: in-memory stores, a settable clock and a
 * context builder. Not exported from the library barrel.
 */
export function createFakeStores(): Stores {
  return createMemoryStores();
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

/** A client's secret and its stored form (sha-256, base64url, as Client.clientSecretHash documents). */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** A form POST authenticated with client_secret_basic (RFC 6749 §2.3.1). */
export function formPost(
  url: string,
  params: Record<string, string>,
  auth?: { clientId: string; secret: string },
  headers: Record<string, string> = {},
): WireRequest {
  const h: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
  if (auth) {
    h.authorization = `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.secret)}`).toString('base64')}`;
  }
  return { method: 'POST', url, headers: h, rawBody: Buffer.from(new URLSearchParams(params).toString()) };
}

/** A pending auth request whose auth_req_id is `authReqId`. */
export function pendingRequest(
  ctx: ProviderContext,
  authReqId: string,
  overrides: Partial<AuthRequest> = {},
): AuthRequest {
  const now = ctx.clock.now();
  return {
    id: `req-${authReqId}`,
    authReqIdHash: createHash('sha256').update(authReqId, 'ascii').digest('base64url'),
    clientId: 'client-1',
    sub: 'alice',
    scope: 'openid profile',
    deliveryMode: 'poll',
    status: 'pending',
    createdAt: now,
    expiresAt: now + 300_000,
    interval: ctx.settings.pollInterval,
    ...overrides,
  };
}
