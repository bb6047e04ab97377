// Test support for the owner-side specs (completion, delivery, owner devices, admin,
// maintenance): a ProviderContext over the in-memory stores with recording ports.
import type { Metrics, ProviderContext } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import type { Owner, OwnerDevice } from '../domain/owner';
import { createHttpClient, nodeRandom, type Logger } from '@onboard/platform';
import type { KeyRing } from '../ports/key-ring.port';
import { createMemoryStores } from '../memory/memory-stores';
import { defaultSettings, type ProviderSettings } from '../settings';
import { createSignals, type InProcessSignals } from '../signals/signals';

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export interface TestContext extends ProviderContext {
  signals: InProcessSignals;
  logs: LogLine[];
  observed: { name: string; seconds: number }[];
  /** Move the controllable clock. */
  advance(ms: number): void;
}

export function testContext(settings: Partial<ProviderSettings> = {}, opts: { realClock?: boolean } = {}): TestContext {
  const logs: LogLine[] = [];
  const observed: { name: string; seconds: number }[] = [];
  const logger: Logger = {
    debug: (msg, fields) => logs.push({ level: 'debug', msg, fields }),
    info: (msg, fields) => logs.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => logs.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => logs.push({ level: 'error', msg, fields }),
  };
  const metrics: Metrics = { outcome() {}, observe: (name, seconds) => observed.push({ name, seconds }) };
  let offset = 0;
  const clock = opts.realClock ? { now: () => Date.now() + offset } : { now: () => 1_800_000_000_000 + offset };
  return {
    settings: { ...defaultSettings('https://op.example'), allowLoopbackHttpNotifications: true, ...settings },
    stores: createMemoryStores(),
    clock,
    random: nodeRandom,
    http: createHttpClient(),
    notifier: { notify() {} },
    logger,
    keys: {} as KeyRing,
    signals: createSignals(),
    metrics,
    logs,
    observed,
    advance: (ms) => (offset += ms),
  };
}

export function makeClient(patch: Partial<Client> = {}): Client {
  return {
    clientId: 'client-1',
    clientName: 'Car Rental',
    tokenEndpointAuthMethod: 'client_secret_basic',
    grantTypes: ['urn:openid:params:grant-type:ciba'],
    backchannelTokenDeliveryMode: 'poll',
    backchannelUserCodeParameter: false,
    dpopBoundAccessTokens: false,
    fapiCiba: false,
    metadata: {},
    disabled: false,
    createdAt: 1,
    ...patch,
  };
}

export function makeOwner(patch: Partial<Owner> = {}): Owner {
  return { sub: 'alice', email: 'alice@example.com', disabled: false, createdAt: 1, ...patch };
}

export function makeDevice(patch: Partial<OwnerDevice> = {}): OwnerDevice {
  return { id: 'device-1', sub: 'alice', credentialHash: 'x', createdAt: 1, disabled: false, ...patch };
}

export function makeRequest(now: number, patch: Partial<AuthRequest> = {}): AuthRequest {
  return {
    id: nodeRandom.uuid(),
    authReqIdHash: nodeRandom.token(32),
    clientId: 'client-1',
    sub: 'alice',
    scope: 'openid profile',
    deliveryMode: 'poll',
    status: 'pending',
    createdAt: now,
    expiresAt: now + 300_000,
    interval: 2,
    ...patch,
  };
}
