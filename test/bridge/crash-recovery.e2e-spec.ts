import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  createHttpProviderClient,
  type BridgeStore,
  type ProviderClient,
  type RelayLedger,
  type RelayOutcome,
} from '@onboard/bridge-core';
import { PATHS } from '@onboard/ciba-core';
import { createHttpClient, silentLogger } from '@onboard/platform';
import { MemoryKeyStore, connect, type DeviceClient } from '@onboard/device-client';
import { openBridgeStores } from '@onboard/bridge-store';
import { parseBridgeConfig } from '../../apps/mqtt-bridge/src/config/bridge-config';
import { startBridge, type RunningBridge } from '../../apps/mqtt-bridge/src/create-bridge';
import { BridgeHttpServer } from '../../apps/mqtt-bridge/src/infra/http-server';
import { NOTIFICATION_PATH } from '../../apps/mqtt-bridge/src/notify/notification.route';
import { loadPayloadKeyFile } from '../../apps/mqtt-bridge/src/keys/payload-key-file';
import { createOwner, type TestOwner } from '../support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { BRIDGE_AUDIENCE, eventually, registerHeadUnit, type TestHeadUnit } from '../support/bridge';

/**
 * Where a bridge dies during a pairing. The bridge records its intent (the ledger entry) before it
 * relays; each point is a moment between two durable steps.
 */
const CRASH_POINTS = [
  ['before_relay', 'intent recorded, the request not yet sent to the provider'],
  ['provider_accepted', 'the provider accepted the request, the bridge has not recorded its answer'],
  ['ack_recorded', 'the acknowledgement recorded, not yet published to the car'],
  ['push_received', 'the owner approved, the provider is pushing the tokens, not yet stored'],
  ['result_stored', 'the result stored (the push not yet answered), not yet delivered to the car'],
] as const;
type CrashPoint = (typeof CRASH_POINTS)[number][0];

/**
 * A bridge that dies at `point`: the call that reaches it never returns, and from then on every
 * store and provider call of this bridge hangs, so it writes nothing more; its sockets are then
 * destroyed (MQTT connections, the push in flight). Like a killed process, minus the process.
 */
class Crash {
  dead = false;
  private died!: () => void;
  readonly reached = new Promise<void>((resolve) => (this.died = resolve));

  constructor(readonly point?: CrashPoint) {}

  die<T>(): Promise<T> {
    this.dead = true;
    this.died();
    return new Promise<T>(() => undefined);
  }

  provider(real: ProviderClient): ProviderClient {
    return {
      backchannelAuthentication: async (input) => {
        if (this.dead || this.point === 'before_relay') return this.die();
        const answer = await real.backchannelAuthentication(input);
        if (this.dead || this.point === 'provider_accepted') return this.die();
        return answer;
      },
      refresh: async (input) => (this.dead ? this.die() : real.refresh(input)),
    };
  }

  ledger(real: RelayLedger): RelayLedger {
    return new Proxy(real, {
      get: (target, name: keyof RelayLedger) => {
        const method = target[name] as (...args: unknown[]) => Promise<unknown>;
        if (typeof method !== 'function') return method;
        return async (...args: unknown[]) => {
          if (this.dead) return this.die();
          const approved = name === 'storeOutcome' && (args[2] as RelayOutcome).status === 'approved';
          if (approved && this.point === 'push_received') return this.die();
          const value = await method.apply(target, args);
          if (this.dead) return this.die();
          if (name === 'acknowledge' && this.point === 'ack_recorded') return this.die();
          if (approved && this.point === 'result_stored') return this.die();
          return value;
        };
      },
    });
  }
}

interface CrashableBridge {
  bridge: RunningBridge;
  store: BridgeStore;
  http: BridgeHttpServer;
  mqttPort: number;
  httpPort: number;
  crash: Crash;
  /** Tears the bridge down without letting it finish anything (its store calls hang already). */
  kill(): Promise<void>;
}

// The provider retries pushes often enough to outlast a bridge restart (its outbox, CIBA §10.3).
const PROVIDER_ENV = { NOTIFICATION_MAX_ATTEMPTS: '40', NOTIFICATION_BACKOFF_MS: '50' };

describe('a bridge killed at any step of a pairing (SQLite file, restarted on it)', () => {
  let provider: TestProvider;
  let dir: string;
  const outcomes: Array<{ point: CrashPoint; ownerAsked: number; results: string[]; carOutcome: string }> = [];

  beforeAll(async () => {
    dir = makeTempDir();
    provider = await startProvider({ databaseFile: join(dir, 'provider.sqlite'), env: PROVIDER_ENV });
  });
  afterAll(async () => {
    await provider.close();
    removeTempDir(dir);
    // the table of the report: one line per crash point
    process.stdout.write(
      `${outcomes
        .map(
          (o) =>
            `crash ${o.point}: owner asked ${o.ownerAsked}x, car results ${o.results.join('+') || 'none'}, car got ${o.carOutcome}`,
        )
        .join('\n')}\n`,
    );
  });

  async function startCrashable(file: string, point?: CrashPoint, ports?: { mqtt: number; http: number }) {
    const crash = new Crash(point);
    const store = await openBridgeStores({ databaseUrl: `sqlite:${file}` });
    const http = new BridgeHttpServer({ logger: silentLogger });
    const config = parseBridgeConfig({
      BRIDGE_MQTT_PORT: String(ports?.mqtt ?? 0),
      BRIDGE_HOST: '127.0.0.1',
      BRIDGE_AUDIENCE,
    });
    const real = createHttpProviderClient({
      backchannelEndpoint: provider.at(PATHS.backchannel),
      tokenEndpoint: provider.at(PATHS.token),
      http: createHttpClient(),
    });
    const bridge = await startBridge(
      { ...config, limits: { ...config.limits, connectBurstPerClientId: 1000, messageBurstPerDevice: 1000 } },
      {
        payloadKeys: await loadPayloadKeyFile(`${file}.encryption-keys.json`, silentLogger),
        directory: store.devices,
        logger: silentLogger,
        store: { ...store, relays: crash.ledger(store.relays) },
        http,
        provider: crash.provider(real),
      },
    );
    const httpPort = await http.listen(ports?.http ?? 0, '127.0.0.1');
    const running: CrashableBridge = {
      bridge,
      store,
      http,
      crash,
      mqttPort: bridge.addresses.tcp,
      httpPort,
      kill: async () => {
        crash.dead = true;
        await http.close();
        await bridge.close();
        await store.close();
      },
    };
    return running;
  }

  it.each(CRASH_POINTS)(
    'crash %s (%s): the owner is asked once and the car gets one approved result',
    async (point) => {
      const file = join(dir, `bridge-${point}.sqlite`);
      let bridge = await startCrashable(file, point);
      const owner: TestOwner = await createOwner(provider);
      const deviceId = `hu-${randomBytes(5).toString('hex')}`;
      const keys = await MemoryKeyStore.generate();
      const [sig, enc] = (await keys.getPublicJwks()).keys;
      await registerHeadUnit(
        provider,
        {
          store: bridge.store,
          notificationEndpoint: `http://127.0.0.1:${bridge.httpPort}${NOTIFICATION_PATH}`,
        } as never,
        { deviceId, sig: { publicJwk: sig }, enc: { publicJwk: enc } } as unknown as TestHeadUnit,
      );
      // every result published on the broker for this device, across both bridges
      const results: string[] = [];
      const tap = (b: CrashableBridge) =>
        b.bridge.broker.observe(`onboard/v1/devices/${deviceId}/replies/result`, (_t, payload) =>
          results.push((JSON.parse(payload.toString()) as { status: string }).status),
        );
      await tap(bridge);
      let client: DeviceClient | undefined;
      try {
        client = await connect({
          url: `mqtt://127.0.0.1:${bridge.mqttPort}`,
          deviceId,
          keys,
          audience: BRIDGE_AUDIENCE,
          bridgeEncryptionKey: bridge.bridge.payloadKeys.current,
          providerIssuer: provider.issuer,
          providerJwksUri: provider.discovery.jwks_uri,
          tokenEndpoint: provider.discovery.token_endpoint,
          reconnect: { minMs: 50, maxMs: 200 },
        });
        const bindingMessage = `PAIR-${randomBytes(3).toString('hex').toUpperCase()}`;
        const handle = client.requestOwnerVerification({ loginHint: owner.email, bindingMessage, scope: 'openid' });
        const outcome = handle.result.then(
          (tokens) => `approved (${tokens.tokenType} tokens)`,
          (err: { code?: string }) => `error ${err.code}`,
        );
        const acked = new Promise((resolve) => handle.on('ack', resolve));
        const pushPhase = point === 'push_received' || point === 'result_stored';
        if (pushPhase) {
          await acked;
          await owner.device.approve(bindingMessage); // exactly one pending request, or it throws
        }
        await bridge.crash.reached;
        await bridge.kill();

        bridge = await startCrashable(file, undefined, { mqtt: bridge.mqttPort, http: bridge.httpPort });
        await tap(bridge);
        if (!pushPhase) {
          // the car retries first (an owner takes seconds): its acknowledgement, or its result, comes before the approval
          await Promise.race([acked, outcome]);
          await eventually(
            async () => (await owner.device.pending()).some((r) => r.binding_message === bindingMessage),
            10_000,
          );
          await owner.device.approve(bindingMessage); // exactly one pending request, or it throws
        }
        const carOutcome = await Promise.race([
          outcome,
          new Promise<string>((resolve) => setTimeout(() => resolve('nothing within 15 s'), 15_000)),
        ]);
        await new Promise((resolve) => setTimeout(resolve, 300)); // a stray second result would show now

        const created = (await provider.booted.ctx.stores.audit.list({ sub: owner.sub })).filter(
          (e) => e.type === 'auth_request.created' && e.clientId === deviceId,
        );
        outcomes.push({ point, ownerAsked: created.length, results, carOutcome });
        expect(created).toHaveLength(1);
        expect((await owner.device.pending()).filter((r) => r.binding_message === bindingMessage)).toHaveLength(0);
        expect(carOutcome).toBe('approved (DPoP tokens)');
        // redelivery until result-ack may repeat the result, never change it
        expect(results.length).toBeGreaterThanOrEqual(1);
        expect(new Set(results)).toEqual(new Set(['approved']));
      } finally {
        await client?.close();
        await bridge.kill();
      }
    },
    40_000,
  );
});
