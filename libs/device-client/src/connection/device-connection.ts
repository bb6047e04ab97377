import { EventEmitter } from 'node:events';
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { replySubscription } from '@onboard/mqtt-contract';
import { DeviceClientError, describeCause, displayUrl } from '../errors';
import { createConnectCredential } from '../jwt/device-jwts';
import type { DeviceKeyStore } from '../keys/device-key-store';
import type { DeviceClientLogger } from '../logger';
import { reconnectDelay, type ReconnectOptions } from './backoff';

/** TLS settings for `mqtts://` and `wss://` URLs (Node `tls.connect` options). */
export interface DeviceTlsOptions {
  /** Trusted CA certificates (PEM) for the broker's certificate. */
  ca?: string | string[] | Buffer | Buffer[];
  /** Client certificate (PEM), for brokers that also want mutual TLS. */
  cert?: string | Buffer;
  /** Client private key (PEM) matching `cert`. */
  key?: string | Buffer;
  /** Server name for SNI and certificate checks, when it differs from the URL's host. */
  servername?: string;
  /** Default true. Never set false outside development. */
  rejectUnauthorized?: boolean;
}

/** Settings of a {@link DeviceConnection}. */
export interface DeviceConnectionOptions {
  url: string;
  deviceId: string;
  audience: string;
  keys: DeviceKeyStore;
  tls?: DeviceTlsOptions;
  reconnect: ReconnectOptions;
  keepaliveSeconds: number;
  /** How long `start()` keeps trying before it gives up with `connection_failed`. */
  initialConnectTimeoutMs: number;
  logger: DeviceClientLogger;
  now: () => number;
  random: () => number;
}

/** Events of a {@link DeviceConnection}. */
export interface DeviceConnectionEvents {
  /** Connected and subscribed: in-flight messages can be re-published. */
  online: [];
  /** The connection was lost; a reconnect is scheduled. */
  offline: [];
  /** A retry is scheduled after `delayMs`. */
  reconnecting: [{ attempt: number; delayMs: number }];
  /** A connection attempt failed; reconnecting continues unless `fatal` follows. */
  connectionError: [DeviceClientError];
  /** The broker refused the device for good (CONNACK 5): no more attempts. */
  fatal: [DeviceClientError];
  /** A PUBLISH from the bridge. */
  message: [topic: string, payload: Buffer];
}

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3 the device cannot fix by retrying. */
const REFUSED = new Set([1, 2, 4]);
const NOT_AUTHORIZED = 5;

/**
 * The MQTT connection of a device, with its own reconnect loop: every attempt creates a fresh
 * mqtt.js client with a fresh connect credential (docs/protocol.md §2.3: a `jti` is accepted once),
 * Clean Session 0 so that replies published while offline are kept (§2.2), and the one reply
 * subscription made again on every connection (§3). mqtt.js's own reconnect is off
 * (`reconnectPeriod: 0`) because it would resend the old, already used password.
 */
export class DeviceConnection extends EventEmitter<DeviceConnectionEvents> {
  private client: MqttClient | undefined;
  private online = false;
  private closing = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DeviceConnectionOptions) {
    super();
  }

  /** True while connected and subscribed. */
  get isOnline(): boolean {
    return this.online;
  }

  /**
   * Connects for the first time. Resolves once connected and subscribed; rejects with
   * `connection_refused` / `not_authorized` on a refused CONNACK, or `connection_failed` when the
   * broker could not be reached within the initial connect timeout (retrying meanwhile).
   */
  start(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = this.options.now() + this.options.initialConnectTimeoutMs;
      const cleanup = () => {
        this.off('online', onOnline);
        this.off('connectionError', onError);
        this.off('fatal', onFatal);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: DeviceClientError) => {
        cleanup();
        void this.close();
        reject(err);
      };
      const onOnline = () => {
        cleanup();
        resolve();
      };
      const onFatal = (err: DeviceClientError) => fail(err);
      const onError = (err: DeviceClientError) => {
        if (err.code === 'connection_refused') return fail(err);
        if (this.options.now() >= deadline) {
          fail(
            new DeviceClientError(
              'connection_failed',
              `no connection to ${displayUrl(this.options.url)} within ${this.options.initialConnectTimeoutMs} ms; last attempt: ${err.message}`,
              { cause: err },
            ),
          );
        }
      };
      const onAbort = () => fail(new DeviceClientError('cancelled', 'connect aborted', { cause: signal?.reason }));
      if (signal?.aborted) return onAbort();
      this.on('online', onOnline);
      this.on('connectionError', onError);
      this.on('fatal', onFatal);
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.attemptConnect();
    });
  }

  /**
   * Publishes with QoS 1 and resolves on PUBACK. Rejects when offline or when the connection is
   * lost first; the caller re-publishes on the next `online`.
   */
  publish(topic: string, payload: Buffer): Promise<void> {
    const client = this.client;
    if (!client || !this.online) return Promise.reject(new Error('offline'));
    return new Promise((resolve, reject) => {
      // [MQTT-3.3.1-5]: retain off; QoS 1 as the protocol requires (docs/protocol.md §1)
      client.publish(topic, payload, { qos: 1, retain: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Disconnects and stops reconnecting. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    const wasOnline = this.online;
    this.online = false;
    if (!client) return;
    // a clean DISCONNECT when online; mqtt.js waits for unacknowledged publications first, so bound it
    const ended = client.endAsync(!wasOnline).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
    await Promise.race([ended, bounded]);
    clearTimeout(timer);
    if (!client.disconnected) client.end(true);
  }

  private async attemptConnect(): Promise<void> {
    if (this.closing) return;
    const o = this.options;
    let password: string;
    try {
      ({ credential: password } = await createConnectCredential(o.keys, {
        deviceId: o.deviceId,
        audience: o.audience,
        now: o.now(),
      }));
    } catch (err) {
      const error =
        err instanceof DeviceClientError
          ? err
          : new DeviceClientError('key_store_error', 'the connect credential could not be signed', { cause: err });
      this.emit('connectionError', error);
      return this.scheduleReconnect();
    }
    if (this.closing) return;
    const mqttOptions: IClientOptions = {
      clientId: o.deviceId,
      username: o.deviceId, // [MQTT-3.1.2-22]: a password needs a user name
      password,
      protocolVersion: 4,
      clean: false,
      keepalive: o.keepaliveSeconds,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      resubscribe: false,
      ...o.tls,
    };
    const client = mqttConnect(o.url, mqttOptions);
    this.client = client;
    let refusal: number | undefined;
    let lastError: Error | undefined;
    client.on('connect', () => void this.subscribe(client));
    client.on('message', (topic, payload) => this.emit('message', topic, payload));
    client.on('error', (err: Error & { code?: unknown }) => {
      lastError = err;
      if (typeof err.code === 'number') refusal = err.code;
    });
    client.on('close', () => {
      if (client !== this.client) return;
      this.client = undefined;
      client.end(true);
      const wasOnline = this.online;
      this.online = false;
      if (this.closing) return;
      if (wasOnline) {
        o.logger.info('device connection lost', { deviceId: o.deviceId });
        this.emit('offline');
        this.attempt = 0;
      }
      if (refusal === NOT_AUTHORIZED) {
        this.closing = true;
        this.emit('fatal', new DeviceClientError('not_authorized', 'the broker refused the device (CONNACK 5)'));
        return;
      }
      if (!wasOnline) this.emit('connectionError', attemptError(this.options.url, refusal, lastError));
      this.scheduleReconnect();
    });
  }

  private async subscribe(client: MqttClient): Promise<void> {
    const o = this.options;
    try {
      const granted = await client.subscribeAsync(replySubscription(o.deviceId), { qos: 1 });
      // SUBACK 0x80 refuses the filter (docs/protocol.md §4)
      if (granted.some((g) => g.qos === 128)) throw new Error('the broker refused the reply subscription');
    } catch (err) {
      if (client !== this.client) return;
      o.logger.warn('device subscription failed', { deviceId: o.deviceId, error: (err as Error).message });
      client.end(true); // 'close' schedules the retry
      return;
    }
    if (client !== this.client || this.closing) return;
    this.attempt = 0;
    this.online = true;
    o.logger.info('device connected', { deviceId: o.deviceId });
    this.emit('online');
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    const delayMs = reconnectDelay(this.attempt, this.options.reconnect, this.options.random);
    this.emit('reconnecting', { attempt: ++this.attempt, delayMs });
    this.timer = setTimeout(() => void this.attemptConnect(), delayMs);
  }
}

function attemptError(url: string, refusal: number | undefined, err: Error | undefined): DeviceClientError {
  const at = displayUrl(url);
  if (refusal !== undefined && REFUSED.has(refusal)) {
    return new DeviceClientError(
      'connection_refused',
      `the broker at ${at} refused the connection (CONNACK ${refusal})`,
    );
  }
  const why =
    refusal !== undefined
      ? `the broker answered CONNACK ${refusal}`
      : err
        ? describeCause(err)
        : 'the connection closed before CONNACK';
  return new DeviceClientError('connection_failed', `connection attempt to ${at} failed: ${why}`, { cause: err });
}
