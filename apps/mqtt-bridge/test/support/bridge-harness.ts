import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '@onboard/platform';
import type { DeviceHooks } from '@onboard/bridge-core';
import { signConnectCredential, type ConnectCredentialAlgorithm } from '@onboard/mqtt-contract';
import { DEFAULT_BROKER_LIMITS, parseBridgeConfig, type BridgeConfig } from '../../src/config/bridge-config';
import { MemoryDeviceDirectory } from '../../src/devices/memory-device-directory';
import type { DeviceStatus } from '../../src/devices/device-directory.port';
import { startBridge, type RunningBridge } from '../../src/create-bridge';

export const AUDIENCE = 'urn:onboard:mqtt-bridge:test';

/** A device with its own key pair, as a head-unit would have. */
export interface TestDevice {
  deviceId: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: ConnectCredentialAlgorithm;
}

export async function createDevice(deviceId: string, alg: 'ES256' | 'Ed25519' = 'ES256'): Promise<TestDevice> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { deviceId, privateKey, publicJwk: await exportJWK(publicKey), alg };
}

/** Log lines kept in memory so tests can assert on them. */
export function createCapturingLogger(): Logger & {
  lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }>;
} {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A bridge on ephemeral ports (never 1883/1884: a local Mosquitto may hold them). */
export async function startTestBridge(
  devices: Array<{ device: TestDevice; status?: DeviceStatus }>,
  overrides: Partial<BridgeConfig['limits']> = {},
  env: Record<string, string> = {},
  hooks?: Partial<DeviceHooks>,
) {
  const logger = createCapturingLogger();
  const directory = new MemoryDeviceDirectory(
    devices.map(({ device, status }) => ({
      deviceId: device.deviceId,
      publicJwks: [device.publicJwk],
      status: status ?? 'active',
    })),
  );
  const base = parseBridgeConfig({
    BRIDGE_MQTT_PORT: '0',
    BRIDGE_HOST: '127.0.0.1',
    BRIDGE_AUDIENCE: AUDIENCE,
    ...env,
  });
  const config: BridgeConfig = { ...base, limits: { ...DEFAULT_BROKER_LIMITS, ...overrides } };
  const bridge: RunningBridge = await startBridge(config, { directory, logger, ...(hooks ? { hooks } : {}) });
  return { bridge, directory, logger, url: `mqtt://127.0.0.1:${bridge.addresses.tcp}` };
}

/** A fresh connect credential for `device`. */
export function credentialFor(
  device: TestDevice,
  over: Partial<Parameters<typeof signConnectCredential>[0]> = {},
): Promise<string> {
  return signConnectCredential({
    deviceId: device.deviceId,
    privateKey: device.privateKey,
    alg: device.alg,
    audience: AUDIENCE,
    jti: randomUUID(),
    now: Date.now(),
    ...over,
  });
}

/** Connects with mqtt.js as `device` (MQTT 3.1.1, no automatic reconnect). */
export async function connectDevice(
  url: string,
  device: TestDevice,
  options: IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion: 4,
    clientId: device.deviceId,
    username: device.deviceId,
    password: await credentialFor(device),
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
}

/** Resolves with the next message on a topic matching `topicSuffix`. */
export function nextMessage(
  client: MqttClient,
  topicSuffix: string,
  timeoutMs = 3000,
): Promise<{ topic: string; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on *${topicSuffix} within ${timeoutMs} ms`));
    }, timeoutMs);
    function onMessage(topic: string, payload: Buffer) {
      if (!topic.endsWith(topicSuffix)) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic, json: JSON.parse(payload.toString()) as Record<string, unknown> });
    }
    client.on('message', onMessage);
  });
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected) return resolve();
    const timer = setTimeout(() => reject(new Error('connection stayed open')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A syntactically valid compact JWS (not verified by the bridge in this version). */
export const SAMPLE_JWS = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodS0xIn0.c2lnbmF0dXJl';

/** How a connection attempt ended: CONNACK accepted, refused with a return code, or closed without CONNACK. */
export async function connectOutcome(url: string, options: IClientOptions): Promise<'connected' | 'closed' | number> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...options });
  const outcome = await new Promise<'connected' | 'closed' | number>((resolve) => {
    client.once('connect', () => resolve('connected'));
    client.once('error', (err: Error & { code?: unknown }) =>
      resolve(typeof err.code === 'number' ? err.code : 'closed'),
    );
    client.once('close', () => resolve('closed'));
  });
  await client.endAsync(true);
  return outcome;
}

/** SUBACK return codes for `filters`, in order (128 = refused, MQTT 3.1.1 §3.9.3). */
export async function subackCodes(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    return filters.map((f) => granted.find((g) => g.topic === f)?.qos ?? -1);
  } catch (err) {
    // mqtt.js reports any refused filter as an error that carries the SUBACK
    const packet = (err as { packet?: { granted?: number[] } }).packet;
    if (!packet?.granted) throw err;
    return packet.granted;
  }
}
