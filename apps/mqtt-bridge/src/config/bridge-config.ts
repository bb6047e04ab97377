/**
 * The bridge's configuration, parsed once at boot from the environment (STYLE §12). A bad value
 * stops start-up with a message naming the variable.
 */

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
}

export interface TlsListenerConfig {
  port: number;
  certFile: string;
  keyFile: string;
  /** CA bundle for client certificates (mutual TLS, next step). */
  caFile?: string;
}

export interface WebSocketListenerConfig {
  port: number;
  path: string;
}

export interface BridgeConfig {
  /** The audience string devices put in `aud` of their connect credential. */
  audience: string;
  host: string;
  /** Plain MQTT port; 0 picks a free one (tests). Default 1884, leaving 1883 to a local Mosquitto. */
  tcpPort: number;
  tls?: TlsListenerConfig;
  webSocket?: WebSocketListenerConfig;
  /** JSON file of registered devices. */
  devicesFile: string;
  /** Accepted clock skew on connect credentials, seconds. */
  clockToleranceSeconds: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  limits: BrokerLimits;
}

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
};

/** Thrown for a bad environment value; the message names the variable. */
export class BridgeConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'BridgeConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the bridge's environment variables (documented in docs/protocol.md, "Running the bridge").
 * @example parseBridgeConfig({ BRIDGE_MQTT_PORT: '0' }).tcpPort // 0
 */
export function parseBridgeConfig(env: Env): BridgeConfig {
  const tlsPort = optionalPort(env, 'BRIDGE_MQTTS_PORT');
  const wsPort = optionalPort(env, 'BRIDGE_WS_PORT');
  return {
    audience: text(env, 'BRIDGE_AUDIENCE', 'urn:onboard:mqtt-bridge'),
    host: text(env, 'BRIDGE_HOST', '0.0.0.0'),
    tcpPort: optionalPort(env, 'BRIDGE_MQTT_PORT') ?? 1884,
    tls:
      tlsPort === undefined
        ? undefined
        : {
            port: tlsPort,
            certFile: required(env, 'BRIDGE_TLS_CERT_FILE'),
            keyFile: required(env, 'BRIDGE_TLS_KEY_FILE'),
            caFile: env.BRIDGE_TLS_CA_FILE || undefined,
          },
    webSocket: wsPort === undefined ? undefined : { port: wsPort, path: text(env, 'BRIDGE_WS_PATH', '/mqtt') },
    devicesFile: text(env, 'BRIDGE_DEVICES_FILE', './data/devices.json'),
    clockToleranceSeconds: number(env, 'BRIDGE_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    logLevel: logLevel(env, 'LOG_LEVEL'),
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
    },
  };
}

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new BridgeConfigError(name, 'is required');
  return value;
}

function optionalPort(env: Env, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new BridgeConfigError(name, 'must be a port number (0-65535)');
  return port;
}

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new BridgeConfigError(name, `must be a number between ${min} and ${max}`);
  return n;
}

function logLevel(env: Env, name: string): BridgeConfig['logLevel'] {
  const value = text(env, name, 'info');
  if (value !== 'debug' && value !== 'info' && value !== 'warn' && value !== 'error') {
    throw new BridgeConfigError(name, 'must be one of debug, info, warn, error');
  }
  return value;
}
