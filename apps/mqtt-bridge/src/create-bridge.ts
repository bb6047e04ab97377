import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplication, INestMicroservice } from '@nestjs/common';
import {
  BridgePayloadKeys,
  createBridgeRelay,
  type BridgeRelay,
  ProviderUnavailableError,
  createMemoryBridgeStore,
  type BridgeStore,
  type DeviceHooks,
  type ProviderClient,
} from '@onboard/bridge-core';
import type { Clock, Logger } from '@onboard/platform';
import type { BridgeConfig } from './config/bridge-config';
import type { DeviceDirectory } from './devices/device-directory.port';
import { BridgeBroker } from './broker/bridge-broker';
import { BridgeMetrics } from './broker/bridge-metrics';
import type { ConnectReplayCache } from './broker/connect-replay-cache';
import type { ListenerAddresses } from './broker/listeners';
import { ExternalBrokerSource } from './external/external-broker-source';
import type { BridgeHttpServer } from './infra/http-server';
import { registerNotificationRoute } from './notify/notification.route';
import { registerBridgeJwksRoute } from './keys/bridge-jwks.route';
import { AedesTransport } from './transport/aedes.transport';
import { BridgeModule } from './bridge.module';

/** Everything the bridge needs from outside. */
export interface BridgeDependencies {
  directory: DeviceDirectory;
  logger: Logger;
  clock?: Clock;
  replayCache?: ConnectReplayCache;
  /** Request ledger (and device registry); default in memory, which loses results on restart. */
  store?: BridgeStore;
  /** The provider the relay talks to; without one, relayed messages get `temporarily_unavailable`. */
  provider?: ProviderClient;
  /** The bridge's HTTP listener; the notification endpoint `POST /ciba/notify` is registered on it. */
  http?: BridgeHttpServer;
  /**
   * The keys devices seal their payloads to (docs/protocol.md §5a); default a fresh key held in
   * memory, which devices must be given again after every start.
   */
  payloadKeys?: BridgePayloadKeys;
  /**
   * Device policy hooks of the embedded broker that replace the defaults: `authenticate`,
   * `authorizePublish`, `authorizeSubscribe` (docs/bridge.md, "Device hooks"). In external-broker
   * mode the external broker authenticates and authorizes; the dispatcher still refuses a message
   * on another device's topic.
   */
  hooks?: Partial<DeviceHooks>;
}

/** The bridge built and not yet listening: its parts, its Nest module and its MQTT transport. */
export interface PreparedBridge {
  /** The device message handlers' module; a hybrid application's root module imports it. */
  module: DynamicModule;
  /** The `@nestjs/microservices` transport strategy over the broker. */
  strategy: AedesTransport;
  /** The embedded broker (not started in external-broker mode). */
  broker: BridgeBroker;
  /** The subscription at the external broker, in external-broker mode (`BRIDGE_BROKER_URL`). */
  external?: ExternalBrokerSource;
  metrics: BridgeMetrics;
  relay: BridgeRelay;
  payloadKeys: BridgePayloadKeys;
}

/** A running bridge. */
export interface RunningBridge {
  /** The Nest application: the bridge's own microservice, or the hybrid HTTP application it joined. */
  app: INestMicroservice | INestApplication;
  /** The embedded broker (not started in external-broker mode). */
  broker: BridgeBroker;
  /** The subscription at the external broker, in external-broker mode (`BRIDGE_BROKER_URL`). */
  external?: ExternalBrokerSource;
  metrics: BridgeMetrics;
  relay: BridgeRelay;
  /** The keys devices seal their payloads to; `publicJwks` is the bridge's JWK set. */
  payloadKeys: BridgePayloadKeys;
  /** Bound ports of the embedded broker; `{ tcp: 0 }` in external-broker mode (no listener). */
  addresses: ListenerAddresses;
  close(): Promise<void>;
}

/** How often expired ledger entries are purged. */
const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Composition root of the MQTT bridge as a Nest microservice of its own: {@link prepareBridge},
 * then `createMicroservice` with the MQTT transport, and listen.
 * @example
 * const bridge = await startBridge(parseBridgeConfig(process.env), { directory, logger, store, provider, http });
 * console.log(bridge.addresses.tcp);
 * await bridge.close();
 */
export async function startBridge(config: BridgeConfig, deps: BridgeDependencies): Promise<RunningBridge> {
  const prepared = await prepareBridge(config, deps);
  const app = await NestFactory.createMicroservice(prepared.module, {
    strategy: prepared.strategy,
    logger: ['error', 'warn'],
  });
  await app.listen();
  return running(prepared, app, deps.logger);
}

/**
 * The bridge as part of a Nest hybrid application: `app` is the bridge's HTTP application, whose
 * root module imports `prepared.module`; the MQTT transport is connected to it
 * (`connectMicroservice`) and started. `app.listen()` serves the HTTP API; `close()` of the result
 * stops both.
 * @example
 * const prepared = await prepareBridge(config, deps);
 * const app = await NestFactory.create(BridgeHttpModule.register({ bridge: prepared.module, ... }));
 * const bridge = await connectBridge(app, prepared, logger);
 * await app.listen(4001);
 */
export async function connectBridge(
  app: INestApplication,
  prepared: PreparedBridge,
  logger: Logger,
): Promise<RunningBridge> {
  // The HTTP application's exception filter renders HTTP errors; the MQTT transport answers its own.
  app.connectMicroservice({ strategy: prepared.strategy }, { inheritAppConfig: false });
  await app.startAllMicroservices();
  return running(prepared, app, logger);
}

/**
 * Builds the broker, the relay, the transport strategy and the Nest module of the device
 * handlers, and registers the notification endpoint; nothing listens yet.
 */
export async function prepareBridge(config: BridgeConfig, deps: BridgeDependencies): Promise<PreparedBridge> {
  const clock = deps.clock ?? { now: () => Date.now() };
  const metrics = new BridgeMetrics();
  const broker = new BridgeBroker({
    config,
    directory: deps.directory,
    clock,
    logger: deps.logger,
    metrics,
    replayCache: deps.replayCache,
    limits: deps.store?.limits,
    hooks: deps.hooks,
  });
  // External-broker mode: no embedded aedes; the same dispatcher and handlers get the messages.
  const external = config.externalBroker
    ? new ExternalBrokerSource({ config: config.externalBroker, devices: deps.directory, metrics, logger: deps.logger })
    : undefined;
  const source = external ?? broker;
  const relay = createBridgeRelay({
    relays: (deps.store ?? createMemoryBridgeStore()).relays,
    provider: deps.provider ?? unreachableProvider,
    publisher: source,
    clock,
    logger: deps.logger,
  });
  broker.onRepliesSubscribed(({ deviceId }) =>
    relay.delivery.redeliver(deviceId).catch((err: unknown) =>
      deps.logger.error('result redelivery failed', {
        deviceId,
        error: err instanceof Error ? err.message : 'unknown',
      }),
    ),
  );
  const payloadKeys = deps.payloadKeys ?? (await BridgePayloadKeys.generate()).keys;
  if (deps.http) {
    registerNotificationRoute(deps.http, relay.receipt);
    registerBridgeJwksRoute(deps.http, payloadKeys);
  }
  const strategy = new AedesTransport({
    broker: source,
    metrics,
    logger: deps.logger,
    clock,
    messageBurstPerDevice: config.limits.messageBurstPerDevice,
    messageRatePerDevicePerSecond: config.limits.messageRatePerDevicePerSecond,
    payloadKeys: payloadKeys.forKid,
  });
  const module = BridgeModule.register({ relay, publisher: source });
  return { module, strategy, broker, external, metrics, relay, payloadKeys };
}

/** The bridge once its transport listens: the ledger sweep runs until `close()`. */
function running(prepared: PreparedBridge, app: INestMicroservice | INestApplication, logger: Logger): RunningBridge {
  const { relay, broker, external } = prepared;
  const sweeper = setInterval(() => {
    relay.ledger
      .sweep()
      .catch((err: unknown) =>
        logger.error('ledger sweep failed', { error: err instanceof Error ? err.message : 'unknown' }),
      );
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    app,
    broker,
    metrics: prepared.metrics,
    external,
    relay,
    payloadKeys: prepared.payloadKeys,
    addresses: external ? { tcp: 0 } : broker.addresses,
    close: async () => {
      clearInterval(sweeper);
      relay.close();
      await app.close();
    },
  };
}

/** Stand-in when no provider is configured: every relay answers `temporarily_unavailable`. */
const unreachableProvider: ProviderClient = {
  backchannelAuthentication: () => Promise.reject(new ProviderUnavailableError('no provider configured')),
  refresh: () => Promise.reject(new ProviderUnavailableError('no provider configured')),
};
