// The bridge's part of the configuration: it reads env-values alone, never the provider's
// config.ts (which needs ciba-core's settings); .dependency-cruiser.cjs keeps it so.
import {
  ConfigError,
  MIN_ADMIN_TOKEN_LENGTH,
  boolean,
  databaseUrl,
  logLevel,
  read,
  type Env,
  type LogLevel,
} from './env-values';

/** Limits applied by the embedded broker (docs/protocol.md, "Limits"). */
export interface BrokerLimits {
  /** Largest MQTT packet (remaining length, bytes); a bigger one closes the connection. */
  maxPacketBytes: number;
  /** Inbound QoS 2 messages a client may hold awaiting PUBREL. */
  maxInflightInbound: number;
  /** Packets queued before a client's session is established. */
  queueLimit: number;
  /** Topic levels allowed in PUBLISH/SUBSCRIBE (our topics have 6). */
  maxTopicLevels: number;
  /** Time to wait for CONNECT after the socket opens. */
  connectTimeoutMs: number;
  /** Longest keep-alive a client may ask for, seconds. */
  keepaliveLimitSeconds: number;
  /** Time to wait for a slow client's socket to drain before dropping it. */
  drainTimeoutMs: number;
  /** Connection attempts per remote address: burst and sustained rate. */
  connectBurstPerIp: number;
  connectRatePerIpPerSecond: number;
  /** Connection attempts per client id: burst and sustained rate. */
  connectBurstPerClientId: number;
  connectRatePerClientIdPerSecond: number;
  /** Messages a device may publish: burst and sustained rate; the excess is dropped. */
  messageBurstPerDevice: number;
  messageRatePerDevicePerSecond: number;
  /**
   * Refused connect credentials one remote address may send per authFailureWindowSeconds;
   * beyond it the address gets CONNACK 3 for authBlockSeconds (README, "Limits").
   */
  authFailuresPerSource: number;
  authFailureWindowSeconds: number;
  authBlockSeconds: number;
}

/** The MQTT-over-TLS listener. */
export interface TlsListenerConfig {
  port: number;
  certFile: string;
  keyFile: string;
  /** CA bundle that signs device certificates (mutual TLS with "CN = device id" certificates). */
  caFile?: string;
  /**
   * Ask connecting devices for a certificate (mutual TLS). A device whose certificate carries its
   * registered signing key, or has CN = its device id and is signed by `caFile`, needs no password.
   */
  clientCertificates: boolean;
}

/** The MQTT-over-WebSocket listener. */
export interface WebSocketListenerConfig {
  port: number;
  path: string;
}

/** External-broker mode: the bridge is a client of an existing broker instead of embedding aedes. */
export interface ExternalBrokerConfig {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  /** The bridge's own (privileged) account at that broker. */
  username?: string;
  password?: string;
  /** MQTT client id of the bridge; stable, so that its persistent session survives restarts. */
  clientId: string;
}

/** The bridge's configuration, parsed and validated once at boot (STYLE §12). */
export interface BridgeConfig {
  /** The audience string devices put in `aud` of their connect credential. */
  audience: string;
  /** Interface the MQTT listeners bind. */
  host: string;
  /** Plain MQTT port; 0 picks a free one (tests). Default 1884, leaving 1883 to a local Mosquitto. */
  tcpPort: number;
  tls?: TlsListenerConfig;
  webSocket?: WebSocketListenerConfig;
  /** When set, no embedded broker runs: the bridge subscribes at this broker. */
  externalBroker?: ExternalBrokerConfig;
  /** The bridge's HTTP listener: CIBA notifications, admin API, /health, /metrics. */
  http: { port: number; host: string };
  /**
   * A listener of its own for the admin API and /metrics (BRIDGE_ADMIN_PORT,
   * BRIDGE_ADMIN_HOST); undefined: the HTTP listener serves them.
   */
  adminHttp?: { port: number; host: string };
  /** Bearer token /metrics requires (BRIDGE_METRICS_TOKEN); undefined: /metrics is open. */
  metricsToken?: string;
  /** Base URL under which the provider reaches this bridge (the notification endpoint's origin). */
  publicUrl: string;
  /**
   * The OpenID provider the bridge relays to; `adminUrl` is where its admin API answers
   * (PROVIDER_ADMIN_URL, for a provider with ADMIN_PORT; default `url`).
   */
  provider: { url: string; adminToken?: string; adminUrl?: string };
  /** Bearer token of the bridge's admin API; unset disables the API. */
  adminToken?: string;
  /** Provider admin calls made at once during a bulk import. */
  providerConcurrency: number;
  /** `sqlite:<file>`, `sqlite::memory:`, or `postgres://…`. */
  databaseUrl: string;
  /**
   * The private JWK set devices seal their payloads to (docs/protocol.md §5a), created on the
   * first start; unset with an in-memory database: a fresh key each start.
   */
  encryptionKeyFile?: string;
  /** Accepted clock skew on connect credentials, seconds. */
  clockToleranceSeconds: number;
  logLevel: LogLevel;
  limits: BrokerLimits;
}

/** Limits of the embedded broker when nothing is configured. */
export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxPacketBytes: 32 * 1024,
  maxInflightInbound: 16,
  queueLimit: 42,
  maxTopicLevels: 8,
  connectTimeoutMs: 10_000,
  keepaliveLimitSeconds: 1200,
  drainTimeoutMs: 30_000,
  connectBurstPerIp: 50,
  connectRatePerIpPerSecond: 10,
  connectBurstPerClientId: 5,
  connectRatePerClientIdPerSecond: 0.2,
  messageBurstPerDevice: 40,
  messageRatePerDevicePerSecond: 10,
  authFailuresPerSource: 20,
  authFailureWindowSeconds: 300,
  authBlockSeconds: 900,
};

/**
 * Parse and validate the bridge's environment into a {@link BridgeConfig}; with {@link loadConfig}
 * the only place the environment is read (STYLE §12). Throws {@link ConfigError} naming the
 * variable on the first bad value.
 *
 * @example
 * const config = loadBridgeConfig({ BRIDGE_MQTT_PORT: '0', BRIDGE_HTTP_PORT: '0' });
 * config.tcpPort; // 0
 * config.provider.url; // 'http://localhost:4000'
 */
export function loadBridgeConfig(env: Env = process.env): BridgeConfig {
  const tlsPort = port(env, 'BRIDGE_MQTTS_PORT');
  const wsPort = port(env, 'BRIDGE_WS_PORT');
  const httpPort = port(env, 'BRIDGE_HTTP_PORT') ?? 4001;
  const brokerUrl = read(env, 'BRIDGE_BROKER_URL');
  const adminPort = port(env, 'BRIDGE_ADMIN_PORT');
  const adminHost = read(env, 'BRIDGE_ADMIN_HOST');
  if (adminPort === undefined && adminHost !== undefined)
    throw new ConfigError('BRIDGE_ADMIN_HOST', 'needs BRIDGE_ADMIN_PORT');
  if (adminPort !== undefined && adminPort !== 0 && adminPort === httpPort) {
    throw new ConfigError('BRIDGE_ADMIN_PORT', `must differ from BRIDGE_HTTP_PORT (${httpPort})`);
  }
  const metricsToken = token(env, 'BRIDGE_METRICS_TOKEN');
  const caFile = read(env, 'BRIDGE_TLS_CA_FILE');
  return {
    audience: read(env, 'BRIDGE_AUDIENCE') ?? 'urn:onboard:mqtt-bridge',
    host: read(env, 'BRIDGE_HOST') ?? '0.0.0.0',
    tcpPort: port(env, 'BRIDGE_MQTT_PORT') ?? 1884,
    tls:
      tlsPort === undefined
        ? undefined
        : {
            port: tlsPort,
            certFile: required(env, 'BRIDGE_TLS_CERT_FILE'),
            keyFile: required(env, 'BRIDGE_TLS_KEY_FILE'),
            caFile,
            clientCertificates: boolean(env, 'BRIDGE_TLS_CLIENT_CERTS', caFile !== undefined),
          },
    webSocket: wsPort === undefined ? undefined : { port: wsPort, path: read(env, 'BRIDGE_WS_PATH') ?? '/mqtt' },
    externalBroker:
      brokerUrl === undefined
        ? undefined
        : {
            url: url(brokerUrl, 'BRIDGE_BROKER_URL', ['mqtt:', 'mqtts:', 'tcp:', 'ssl:']),
            username: read(env, 'BRIDGE_BROKER_USERNAME'),
            password: read(env, 'BRIDGE_BROKER_PASSWORD'),
            clientId: read(env, 'BRIDGE_BROKER_CLIENT_ID') ?? 'onboard-bridge',
          },
    http: { port: httpPort, host: read(env, 'BRIDGE_HTTP_HOST') ?? '127.0.0.1' },
    ...(adminPort !== undefined ? { adminHttp: { port: adminPort, host: adminHost ?? '127.0.0.1' } } : {}),
    ...(metricsToken !== undefined ? { metricsToken } : {}),
    publicUrl: url(read(env, 'BRIDGE_PUBLIC_URL') ?? `http://localhost:${httpPort}`, 'BRIDGE_PUBLIC_URL', [
      'http:',
      'https:',
    ]),
    provider: {
      url: url(read(env, 'PROVIDER_URL') ?? 'http://localhost:4000', 'PROVIDER_URL', ['http:', 'https:']),
      adminToken: token(env, 'PROVIDER_ADMIN_TOKEN'),
      ...optionalUrl(env, 'PROVIDER_ADMIN_URL', 'adminUrl'),
    },
    adminToken: token(env, 'BRIDGE_ADMIN_TOKEN'),
    providerConcurrency: number(env, 'BRIDGE_PROVIDER_CONCURRENCY', 16, 1, 256),
    databaseUrl: databaseUrl('BRIDGE_DATABASE_URL', read(env, 'BRIDGE_DATABASE_URL') ?? 'sqlite:./data/bridge.sqlite'),
    encryptionKeyFile:
      read(env, 'BRIDGE_ENCRYPTION_KEY_FILE') ??
      (read(env, 'BRIDGE_DATABASE_URL') === 'sqlite::memory:' ? undefined : './data/bridge-encryption-keys.json'),
    clockToleranceSeconds: number(env, 'BRIDGE_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    logLevel: logLevel(env),
    limits: {
      ...DEFAULT_BROKER_LIMITS,
      maxPacketBytes: number(env, 'BRIDGE_MAX_PACKET_BYTES', DEFAULT_BROKER_LIMITS.maxPacketBytes, 1024, 268_435_455),
      connectRatePerIpPerSecond: number(
        env,
        'BRIDGE_CONNECT_RATE_PER_IP',
        DEFAULT_BROKER_LIMITS.connectRatePerIpPerSecond,
        0.01,
        1e6,
      ),
      connectBurstPerIp: number(env, 'BRIDGE_CONNECT_BURST_PER_IP', DEFAULT_BROKER_LIMITS.connectBurstPerIp, 1, 1e6),
      authFailuresPerSource: integer(
        env,
        'BRIDGE_AUTH_FAILURES_PER_SOURCE',
        DEFAULT_BROKER_LIMITS.authFailuresPerSource,
      ),
      authFailureWindowSeconds: integer(
        env,
        'BRIDGE_AUTH_FAILURE_WINDOW',
        DEFAULT_BROKER_LIMITS.authFailureWindowSeconds,
        86_400,
      ),
      authBlockSeconds: integer(env, 'BRIDGE_AUTH_BLOCK_SECONDS', DEFAULT_BROKER_LIMITS.authBlockSeconds, 30 * 86_400),
    },
  };
}

/**
 * The environment variables {@link loadBridgeConfig} reads, with their meaning, for `--help`
 * texts and docs.
 */
export const BRIDGE_CONFIG_VARIABLES: Readonly<Record<string, string>> = {
  BRIDGE_MQTT_PORT: 'MQTT over TCP port (default 1884; 0 = any free port)',
  BRIDGE_HOST: 'interface of the MQTT listeners (default 0.0.0.0)',
  BRIDGE_MQTTS_PORT: 'MQTT over TLS port (off unless set; needs BRIDGE_TLS_CERT_FILE and BRIDGE_TLS_KEY_FILE)',
  BRIDGE_TLS_CA_FILE: 'CA bundle signing device certificates (CN = device id)',
  BRIDGE_TLS_CLIENT_CERTS: 'true to ask devices for a certificate (mutual TLS; default true when a CA file is set)',
  BRIDGE_WS_PORT: 'MQTT over WebSocket port (off unless set); path BRIDGE_WS_PATH (default /mqtt)',
  BRIDGE_AUDIENCE: 'aud of connect credentials (default urn:onboard:mqtt-bridge)',
  BRIDGE_BROKER_URL: 'mqtt://host:port of an external broker; no embedded broker runs when set',
  BRIDGE_BROKER_USERNAME: "the bridge's account at the external broker",
  BRIDGE_BROKER_PASSWORD: "the bridge's password at the external broker",
  BRIDGE_BROKER_CLIENT_ID: 'MQTT client id of the bridge at the external broker (default onboard-bridge)',
  BRIDGE_HTTP_PORT: 'HTTP port: /ciba/notify, /admin/v1/devices, /health, /metrics (default 4001)',
  BRIDGE_HTTP_HOST: 'interface of the HTTP listener (default 127.0.0.1)',
  BRIDGE_ADMIN_PORT:
    'serve the admin API and /metrics on this port only, not on BRIDGE_HTTP_PORT (default: unset, the HTTP listener serves them)',
  BRIDGE_ADMIN_HOST: 'interface of the BRIDGE_ADMIN_PORT listener (default 127.0.0.1)',
  BRIDGE_METRICS_TOKEN: `bearer token /metrics requires (at least ${MIN_ADMIN_TOKEN_LENGTH} characters; default: unset, open)`,
  BRIDGE_PUBLIC_URL: 'URL the provider reaches the bridge at (default http://localhost:<BRIDGE_HTTP_PORT>)',
  PROVIDER_URL: 'the OpenID provider (default http://localhost:4000)',
  PROVIDER_ADMIN_TOKEN: "the provider's ADMIN_TOKEN, used to register and disable devices as clients",
  PROVIDER_ADMIN_URL: "the provider's admin API when it has a listener of its own (ADMIN_PORT; default PROVIDER_URL)",
  BRIDGE_ADMIN_TOKEN: `bearer token of the bridge admin API (at least ${MIN_ADMIN_TOKEN_LENGTH} characters; unset disables it)`,
  BRIDGE_PROVIDER_CONCURRENCY: 'provider admin calls in parallel during an import (default 16)',
  BRIDGE_AUTH_FAILURES_PER_SOURCE:
    'refused MQTT connect credentials and wrong admin tokens one address may send per BRIDGE_AUTH_FAILURE_WINDOW (default 20)',
  BRIDGE_AUTH_FAILURE_WINDOW: 'seconds (default 300)',
  BRIDGE_AUTH_BLOCK_SECONDS:
    'how long an address over BRIDGE_AUTH_FAILURES_PER_SOURCE gets CONNACK 3 and 429 from the admin API (default 900)',
  BRIDGE_DATABASE_URL: 'sqlite:<file> (default sqlite:./data/bridge.sqlite), sqlite::memory: or postgres://…',
  BRIDGE_ENCRYPTION_KEY_FILE:
    'private JWK set devices seal their requests to, created when missing (default ./data/bridge-encryption-keys.json)',
  BRIDGE_CLOCK_TOLERANCE_SECONDS: 'clock skew accepted on connect credentials (default 30)',
  BRIDGE_MAX_PACKET_BYTES: 'largest MQTT packet (default 32768)',
  BRIDGE_CONNECT_RATE_PER_IP: 'sustained connection attempts per second per address (default 10)',
  BRIDGE_CONNECT_BURST_PER_IP: 'connection attempts at once per address (default 50)',
  LOG_LEVEL: 'debug | info | warn | error | silent (default info)',
};

function required(env: Env, name: string): string {
  const value = read(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required');
  return value;
}

function port(env: Env, name: string): number | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) throw new ConfigError(name, `must be a port number (0-65535), got '${raw}'`);
  return value;
}

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new ConfigError(name, `must be a number between ${min} and ${max}, got '${raw}'`);
  return value;
}

/** A whole number from 1 to `max`. */
function integer(env: Env, name: string, fallback: number, max = 1_000_000_000): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new ConfigError(name, `expected a whole number from 1 to ${max}, got '${raw}'`);
  }
  return Number(raw);
}

function token(env: Env, name: string): string | undefined {
  const value = read(env, name);
  // the value itself is never echoed: it is a secret
  if (value !== undefined && value.length < MIN_ADMIN_TOKEN_LENGTH)
    throw new ConfigError(name, `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  return value;
}

function optionalUrl(env: Env, name: string, key: 'adminUrl'): { adminUrl?: string } {
  const raw = read(env, name);
  return raw === undefined ? {} : { [key]: url(raw, name, ['http:', 'https:']) };
}

function url(raw: string, name: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a URL: '${raw}'`);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
  if (parsed.username || parsed.password) throw new ConfigError(name, 'must not contain credentials');
  return raw.replace(/\/+$/, '');
}

/** Where the bridge admin CLI sends its requests. */
export interface BridgeAdminClientConfig {
  /** Base URL of the bridge's HTTP listener. */
  url: string;
  token?: string;
}

/**
 * The bridge admin CLI's settings: `BRIDGE_ADMIN_URL` (default http://localhost:4001) and
 * `BRIDGE_ADMIN_TOKEN`. Throws {@link ConfigError} naming the variable.
 * @example loadBridgeAdminClientConfig({}).url // 'http://localhost:4001'
 */
export function loadBridgeAdminClientConfig(env: Env = process.env): BridgeAdminClientConfig {
  return {
    url: url(read(env, 'BRIDGE_ADMIN_URL') ?? 'http://localhost:4001', 'BRIDGE_ADMIN_URL', ['http:', 'https:']),
    token: read(env, 'BRIDGE_ADMIN_TOKEN'),
  };
}
