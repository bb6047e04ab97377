import { discoverProvider, type BridgeStore, type DeviceHooks } from '@onboard/bridge-core';
import { SourceFailures, createHttpClient, type Logger, createLogger } from '@onboard/platform';
import { MIN_ADMIN_TOKEN_LENGTH, type BridgeConfig } from '@onboard/config';
import { openBridgeStores } from '@onboard/bridge-store';
import { DeviceAdmin } from '../admin/device-admin';
import { registerDeviceAdminRoutes } from '../admin/device-admin.routes';
import { HttpProviderAdmin } from '../admin/provider-admin';
import { connectBridge, prepareBridge, type RunningBridge } from '../create-bridge';
import { createBridgeMetrics, registerHealthRoute, registerMetricsRoute } from './bridge-observability';
import { BridgeHttpServer } from './http-server';
import { loadPayloadKeyFile } from '../keys/payload-key-file';

/** Options of {@link createBridgeApp}. */
export interface CreateBridgeAppOptions {
  /** Log lines go here (default: a JSON logger on stdout at `config.logLevel`). */
  logger?: Logger;
  /** A store to use instead of opening `config.databaseUrl` (tests); the app does not close it. */
  store?: BridgeStore;
  /** Export the Node process metrics on /metrics too. */
  processMetrics?: boolean;
  /** Device policy hooks replacing the defaults (docs/bridge.md, "Device hooks"). */
  hooks?: Partial<DeviceHooks>;
}

/** A running bridge with its HTTP listener. */
export interface BridgeApp {
  bridge: RunningBridge;
  http: BridgeHttpServer;
  store: BridgeStore;
  /** Base URL of the HTTP listener, e.g. http://127.0.0.1:4001. */
  httpUrl: string;
  /** Base URL of the admin listener (admin API, /metrics) when BRIDGE_ADMIN_PORT is set, else undefined. */
  adminUrl?: string;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Boots the whole bridge from its config: opens the store (device registry and request ledger),
 * finds the provider's endpoints, builds the HTTP listener (`/ciba/notify`, `/admin/v1/devices`
 * when BRIDGE_ADMIN_TOKEN is set, `/health`, `/metrics`; the admin API and `/metrics` on a
 * listener of their own with BRIDGE_ADMIN_PORT), and starts the MQTT side.
 *
 * @example
 * const app = await createBridgeApp(loadBridgeConfig(process.env));
 * console.log(app.httpUrl, app.bridge.addresses);
 * await app.close();
 */
export async function createBridgeApp(config: BridgeConfig, options: CreateBridgeAppOptions = {}): Promise<BridgeApp> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, base: { service: 'mqtt-bridge' } });
  const clock = { now: () => Date.now() };
  const store = options.store ?? (await openBridgeStores({ databaseUrl: config.databaseUrl, logger }));
  const closers: Array<() => Promise<void>> = options.store ? [] : [() => store.close()];
  let bridge: RunningBridge | undefined;
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };
  try {
    const https = config.publicUrl.startsWith('https:');
    const onRequest = (route: string, method: string, status: number, ms: number) =>
      metrics.httpRequest(route, method, status, ms / 1000);
    const http = new BridgeHttpServer({ logger, https, onRequest });
    // With BRIDGE_ADMIN_PORT, the admin API and /metrics live on a listener of their own.
    const adminHttp = config.adminHttp ? new BridgeHttpServer({ logger, https, onRequest }) : http;
    const metrics = createBridgeMetrics(
      {
        snapshot: () => bridge?.metrics.snapshot() ?? emptySnapshot,
        connectedDevices: () => bridge?.broker.connectedClients ?? 0,
      },
      options.processMetrics,
    );
    const checks = {
      bridge: () => bridge !== undefined,
      // external-broker mode: the subscription at the broker is up
      broker: () => bridge?.external === undefined || bridge.external.connected,
    };
    registerHealthRoute(http, checks);
    if (adminHttp !== http) registerHealthRoute(adminHttp, checks);
    registerMetricsRoute(adminHttp, metrics, config.metricsToken);
    // The platform's client (undici, keep-alive): a burst of head-units asking at once keeps
    // its connections to the provider warm.
    const providerHttp = createHttpClient();
    const provider = await discoverProvider(config.provider.url, providerHttp, logger);
    const payloadKeys = config.encryptionKeyFile
      ? await loadPayloadKeyFile(config.encryptionKeyFile, logger)
      : undefined;
    const prepared = await prepareBridge(config, {
      directory: store.devices,
      logger,
      clock,
      store,
      provider,
      http,
      ...(payloadKeys ? { payloadKeys } : {}),
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
    // One Nest hybrid application: the HTTP API, with the device message handlers in its module
    // and the MQTT transport connected to it; its close() stops both.
    const app = await http.create([prepared.module]);
    closers.push(() => (bridge ? bridge.close() : app.close()));
    bridge = await connectBridge(app, prepared, logger);
    const port = await http.listen(config.http.port, config.http.host);
    let adminUrl: string | undefined;
    if (config.adminHttp && adminHttp !== http) {
      const adminPort = await adminHttp.listen(config.adminHttp.port, config.adminHttp.host);
      closers.push(() => adminHttp.close());
      adminUrl = baseUrl(config.adminHttp.host, adminPort);
    }
    // A derived public URL with port 0 (tests) becomes the bound port.
    const publicUrl = config.publicUrl === 'http://localhost:0' ? `http://localhost:${port}` : config.publicUrl;
    if (config.adminToken) {
      const admin = new DeviceAdmin({
        registry: store.devices,
        provider: new HttpProviderAdmin({
          providerUrl: config.provider.adminUrl ?? config.provider.url,
          adminToken: config.provider.adminToken,
        }),
        connections: { disconnect: (deviceId) => bridge?.broker.disconnect(deviceId) },
        clock,
        logger,
        notificationEndpoint: `${publicUrl}${NOTIFY_PATH}`,
        concurrency: config.providerConcurrency,
      });
      const adminFailures = new SourceFailures(
        store.limits.limiter({
          name: 'bridge_auth_admin',
          points: config.limits.authFailuresPerSource,
          windowSeconds: config.limits.authFailureWindowSeconds,
          blockSeconds: config.limits.authBlockSeconds,
        }),
      );
      registerDeviceAdminRoutes(adminHttp, admin, config.adminToken, { failures: adminFailures, logger });
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
    const httpUrl = baseUrl(config.http.host, port);
    logger.info('bridge http listening', {
      url: httpUrl,
      admin: config.adminToken !== undefined,
      ...(adminUrl ? { adminUrl } : {}),
    });
    return { bridge, http, store, httpUrl, adminUrl, logger, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

const baseUrl = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

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
