import type { BridgeStore } from '@onboard/bridge-core';
import { createNodeHttpClient, type Logger } from '@onboard/ciba-core';
import { MIN_ADMIN_TOKEN_LENGTH, type BridgeConfig } from '@onboard/config';
import { createJsonLogger } from '@onboard/observability';
import { openBridgeStores } from '@onboard/store-typeorm';
import { DeviceAdmin } from '../admin/device-admin';
import { registerDeviceAdminRoutes } from '../admin/device-admin.routes';
import { HttpProviderAdmin } from '../admin/provider-admin';
import { startBridge, type RunningBridge } from '../create-bridge';
import { createBridgeMetrics, registerOpsRoutes } from './bridge-observability';
import { BridgeHttpServer } from './http-server';
import { createBridgeHttpProviderClient } from './provider-endpoints';

/** Options of {@link createBridgeApp}. */
export interface CreateBridgeAppOptions {
  /** Log lines go here (default: a JSON logger on stdout at `config.logLevel`). */
  logger?: Logger;
  /** A store to use instead of opening `config.databaseUrl` (tests); the app does not close it. */
  store?: BridgeStore;
  /** Export the Node process metrics on /metrics too. */
  processMetrics?: boolean;
}

/** A running bridge with its HTTP listener. */
export interface BridgeApp {
  bridge: RunningBridge;
  http: BridgeHttpServer;
  store: BridgeStore;
  /** Base URL of the HTTP listener, e.g. http://127.0.0.1:4001. */
  httpUrl: string;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Boots the whole bridge from its config: opens the store (device registry and request ledger),
 * finds the provider's endpoints, builds the HTTP listener (`/ciba/notify`, `/admin/v1/devices`
 * when BRIDGE_ADMIN_TOKEN is set, `/health`, `/metrics`), and starts the MQTT side.
 *
 * @example
 * const app = await createBridgeApp(loadBridgeConfig(process.env));
 * console.log(app.httpUrl, app.bridge.addresses);
 * await app.close();
 */
export async function createBridgeApp(config: BridgeConfig, options: CreateBridgeAppOptions = {}): Promise<BridgeApp> {
  const logger = options.logger ?? createJsonLogger({ level: config.logLevel, base: { service: 'mqtt-bridge' } });
  const clock = { now: () => Date.now() };
  const store = options.store ?? (await openBridgeStores({ databaseUrl: config.databaseUrl, logger }));
  const closers: Array<() => Promise<void>> = options.store ? [] : [() => store.close()];
  let bridge: RunningBridge | undefined;
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };
  try {
    const http = new BridgeHttpServer({
      logger,
      onRequest: (route, method, status, ms) => metrics.httpRequest(route, method, status, ms),
    });
    const metrics = createBridgeMetrics(
      {
        snapshot: () => bridge?.metrics.snapshot() ?? emptySnapshot,
        connectedDevices: () => bridge?.broker.connectedClients ?? 0,
      },
      options.processMetrics,
    );
    registerOpsRoutes(http, metrics, {
      bridge: () => bridge !== undefined,
      // external-broker mode: the subscription at the broker is up
      broker: () => bridge?.external === undefined || bridge.external.connected,
    });
    const port = await http.listen(config.http.port, config.http.host);
    closers.push(() => http.close());
    // A derived public URL with port 0 (tests) becomes the bound port.
    const publicUrl = config.publicUrl === 'http://localhost:0' ? `http://localhost:${port}` : config.publicUrl;
    if (config.adminToken) {
      const admin = new DeviceAdmin({
        registry: store.devices,
        provider: new HttpProviderAdmin({ providerUrl: config.provider.url, adminToken: config.provider.adminToken }),
        connections: { disconnect: (deviceId) => bridge?.broker.disconnect(deviceId) },
        clock,
        logger,
        notificationEndpoint: `${publicUrl}${NOTIFY_PATH}`,
        concurrency: config.providerConcurrency,
      });
      registerDeviceAdminRoutes(http, admin, config.adminToken);
      if (!config.provider.adminToken) {
        logger.warn(
          'PROVIDER_ADMIN_TOKEN is not set: the bridge admin API cannot register or disable devices at the provider',
        );
      }
    } else {
      logger.info(
        `bridge admin API off: set BRIDGE_ADMIN_TOKEN (at least ${MIN_ADMIN_TOKEN_LENGTH} characters) to enable /admin/v1/devices`,
      );
    }
    // node:http with keep-alive: the relay's backchannel and token calls cost a fraction of the
    // CPU undici's fetch spends on them (`npm run bench:bridge` profile); a burst of head-units
    // asking at once keeps up to 64 connections to the provider warm.
    const providerHttp = createNodeHttpClient({ maxFreeSockets: 64 });
    const provider = await createBridgeHttpProviderClient(config.provider.url, providerHttp, logger);
    bridge = await startBridge(config, { directory: store.devices, logger, clock, store, provider, http });
    closers.push(() => bridge!.close());
    const httpUrl = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`;
    logger.info('bridge http listening', { url: httpUrl, admin: config.adminToken !== undefined });
    return { bridge, http, store, httpUrl, logger, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The notification endpoint's path (registered by the relay's notification route). */
const NOTIFY_PATH = '/ciba/notify';

const emptySnapshot = {
  aclRefusals: {},
  crossDeviceAttempts: 0,
  connectRefusals: {},
  connectionRateLimited: 0,
  oversizedPackets: 0,
  drops: {},
  handled: {},
};
