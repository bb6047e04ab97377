// Test fixtures for the client-auth, backchannel, registration and discovery specs:
// a ProviderContext over the in-memory stores and the real key ring, a scriptable
// HttpClient, recording signals and notifier, and client key/assertion builders.
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { ProviderContext, ProviderSignals } from '../context';
import { noMetrics } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import { CIBA_GRANT_TYPE, type Client } from '../domain/client';
import type { Owner, OwnerDevice } from '../domain/owner';
import { createKeyRing } from '../keys/key-ring';
import { createMemoryStores } from '../memory/memory-stores';
import { createHttpClientDouble, silentLogger, type HttpClientDouble } from '@onboard/platform';
import { defaultSettings, type ProviderSettings } from '../settings';
import type { WireRequest } from '../wire/wire';
import { hashClientSecret } from '../client-auth/client-secret';
import { JWT_BEARER_ASSERTION_TYPE } from '../client-auth/read-client-credentials';

export const ISSUER = 'https://op.example.test';
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

/** The platform's HttpClient double: answers by URL, records every request. */
export type FakeHttp = HttpClientDouble;

export interface TestHarness {
  ctx: ProviderContext;
  /** Current fake time (ms); assign to move the clock. */
  clock: { now: () => number; set(ms: number): void; advance(seconds: number): void };
  http: FakeHttp;
  notified: AuthRequest[];
  ownerSignals: string[];
  /** Make the notifier throw from now on. */
  breakNotifier(): void;
}

export async function createHarness(overrides: Partial<ProviderSettings> = {}): Promise<TestHarness> {
  let now = T0;
  const clock = {
    now: () => now,
    set: (ms: number) => void (now = ms),
    advance: (seconds: number) => void (now += seconds * 1000),
  };
  const base = defaultSettings(ISSUER);
  // Most specs place many requests for one owner; the limits have specs of their own.
  const settings = {
    ...base,
    limits: { ...base.limits, ownerPendingMax: 1000, clientOwnerRequests: 1000 },
    ...overrides,
  };
  const stores = createMemoryStores();
  const http = createHttpClientDouble();
  const notified: AuthRequest[] = [];
  const ownerSignals: string[] = [];
  let notifierBroken = false;
  const signals: ProviderSignals = {
    authRequestCompleted() {},
    waitForCompletion: async () => {},
    ownerRequestCreated: (sub) => void ownerSignals.push(sub),
    waitForOwnerRequest: async () => {},
  };
  const ctx: ProviderContext = {
    settings,
    stores,
    clock,
    random: { token: (bytes) => randomBytes(bytes).toString('base64url'), uuid: () => randomUUID() },
    http,
    notifier: {
      async notify(request) {
        if (notifierBroken) throw new Error('push gateway down');
        notified.push(request);
      },
    },
    logger: silentLogger,
    keys: await createKeyRing(stores.signingKeys, clock, settings),
    signals,
    metrics: noMetrics,
  };
  return { ctx, clock, http, notified, ownerSignals, breakNotifier: () => void (notifierBroken = true) };
}

export interface ClientKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
  alg: string;
}

export async function makeKey(alg = 'ES256', kid = `k-${randomUUID()}`): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, publicJwk, kid, alg };
}

export function baseClient(overrides: Partial<Client> = {}): Client {
  return {
    clientId: `client-${randomUUID()}`,
    tokenEndpointAuthMethod: 'client_secret_basic',
    grantTypes: [CIBA_GRANT_TYPE],
    backchannelTokenDeliveryMode: 'poll',
    backchannelUserCodeParameter: false,
    dpopBoundAccessTokens: false,
    fapiCiba: false,
    metadata: {},
    disabled: false,
    createdAt: T0,
    ...overrides,
  };
}

/** Save a client_secret_* client; returns it and its clear secret. */
export async function secretClient(
  ctx: ProviderContext,
  overrides: Partial<Client> = {},
): Promise<{ client: Client; secret: string }> {
  const secret = randomBytes(24).toString('base64url');
  const client = baseClient({ clientSecretHash: hashClientSecret(secret), ...overrides });
  await ctx.stores.clients.save(client);
  return { client, secret };
}

/** Save a private_key_jwt client with an inline jwks; returns it and its key. */
export async function keyClient(
  ctx: ProviderContext,
  overrides: Partial<Client> = {},
  alg = 'ES256',
): Promise<{ client: Client; key: ClientKey }> {
  const key = await makeKey(alg);
  const client = baseClient({
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: { keys: [key.publicJwk] },
    ...overrides,
  });
  await ctx.stores.clients.save(client);
  return { client, key };
}

export async function signJwt(
  key: ClientKey,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** A private_key_jwt client assertion (RFC 7523 §3) valid at `nowMs`. */
export function clientAssertion(
  key: ClientKey,
  clientId: string,
  nowMs: number,
  claims: JWTPayload = {},
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return signJwt(key, {
    iss: clientId,
    sub: clientId,
    aud: ISSUER,
    iat,
    exp: iat + 60,
    jti: randomUUID(),
    ...claims,
  });
}

export function assertionParams(assertion: string): Record<string, string> {
  return { client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion };
}

export function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

export function formRequest(
  params: Record<string, string>,
  headers: Record<string, string> = {},
  path = '/backchannel',
): WireRequest {
  return {
    method: 'POST',
    url: ISSUER + path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    rawBody: Buffer.from(new URLSearchParams(params).toString()),
  };
}

export function jsonRequest(body: unknown, headers: Record<string, string> = {}, path = '/register'): WireRequest {
  return {
    method: 'POST',
    url: ISSUER + path,
    headers: { 'content-type': 'application/json', ...headers },
    rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

/**
 * Save an owner with one enabled authentication device (the default access policy refuses
 * owners nobody could approve for); `device: false` saves the owner alone.
 */
export async function saveOwner(
  ctx: ProviderContext,
  overrides: Partial<Owner> = {},
  { device = {} }: { device?: Partial<OwnerDevice> | false } = {},
): Promise<Owner> {
  const owner: Owner = {
    sub: `sub-${randomUUID()}`,
    email: `${randomUUID()}@example.test`,
    phoneNumber: `+49151${String(randomBytes(4).readUInt32BE(0)).padStart(10, '0')}`,
    username: `user-${randomUUID()}`,
    disabled: false,
    createdAt: T0,
    ...overrides,
  };
  await ctx.stores.owners.save(owner);
  if (device) await saveOwnerDevice(ctx, owner.sub, device);
  return owner;
}

/** Save an authentication device of `sub` (enabled unless overridden). */
export async function saveOwnerDevice(
  ctx: ProviderContext,
  sub: string,
  overrides: Partial<OwnerDevice> = {},
): Promise<OwnerDevice> {
  const device: OwnerDevice = {
    id: `device-${randomUUID()}`,
    sub,
    name: 'phone',
    credentialHash: randomBytes(32).toString('base64url'),
    createdAt: T0,
    disabled: false,
    ...overrides,
  };
  await ctx.stores.owners.saveDevice(device);
  return device;
}

/** Serve `jwks` at `url` through the fake HttpClient. */
export function serveJwks(http: FakeHttp, url: string, jwks: { keys: JWK[] }): void {
  http.routes.set(url, () => ({ status: 200, headers: {}, body: JSON.stringify(jwks) }));
}
