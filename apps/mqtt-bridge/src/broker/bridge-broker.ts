import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import {
  defaultAuthorizePublish,
  defaultAuthorizeSubscribe,
  type DeviceHooks,
  type DevicePublisher,
} from '@onboard/bridge-core';
import type { Clock, LimitStore, Logger } from '@onboard/platform';
import { encodeBridgeMessage, replyTopic, type BridgeMessage } from '@onboard/mqtt-contract';
import type { BridgeConfig } from '../config/bridge-config';
import type { DeviceDirectory } from '../devices/device-directory.port';
import { BridgeMetrics } from './bridge-metrics';
import { MemoryConnectReplayCache, type ConnectReplayCache } from './connect-replay-cache';
import { ConnectGate } from './connect-gate';
import { DeviceAuthenticator, type AuthenticatedDevice } from './device-authenticator';
import { guardFrameSize } from './frame-size-guard';
import { startListeners, type ListenerAddresses, type Listeners } from './listeners';
import { createTopicAcl } from './topic-acl';
import { topicMatches } from './topic-match';

export type { DevicePublisher };

/** Injection token of the {@link DevicePublisher}. */
export const DEVICE_PUBLISHER = Symbol('DevicePublisher');

/** Receives each PUBLISH of an authenticated device that passed the topic ACL. */
export type DeviceMessageListener = (device: AuthenticatedDevice, topic: string, payload: Buffer) => void;

/** Called once per connection, when the device's subscription to its results is in place. */
export type RepliesSubscribedListener = (device: AuthenticatedDevice) => void;

export interface BridgeBrokerDependencies {
  config: BridgeConfig;
  directory: DeviceDirectory;
  clock: Clock;
  logger: Logger;
  metrics: BridgeMetrics;
  replayCache?: ConnectReplayCache;
  /** Counters of refused credentials per remote address (the store's, shared by replicas); default in memory. */
  limits?: LimitStore;
  /**
   * Device policy hooks replacing the defaults (docs/bridge.md, "Device hooks"): `authenticate`
   * (default: {@link DeviceAuthenticator}), `authorizePublish` and `authorizeSubscribe` (default:
   * the device's own subtree).
   */
  hooks?: Partial<DeviceHooks>;
}

/**
 * The embedded aedes broker with the bridge's policy: connection rate limits (`preConnect`),
 * device authentication (the `authenticate` hook), the topic ACL (the `authorizePublish` and
 * `authorizeSubscribe` hooks), a packet size limit, and the listeners.
 * The authenticated device of a connection is kept beside the aedes client, never read from a topic.
 */
export class BridgeBroker implements DevicePublisher {
  private aedes: Aedes | undefined;
  private listeners: Listeners | undefined;
  private listener: DeviceMessageListener | undefined;
  private repliesListener: RepliesSubscribedListener | undefined;
  /** Connections whose device was already told about its results' subscription. */
  private readonly repliesReady = new WeakSet<Client>();
  private readonly devices = new WeakMap<Client, AuthenticatedDevice>();
  private readonly remoteAddresses = new WeakMap<object, string>();
  private readonly hooks: Pick<DeviceHooks, 'authorizePublish' | 'authorizeSubscribe'>;
  private readonly gate: ConnectGate;

  constructor(private readonly deps: BridgeBrokerDependencies) {
    this.gate = new ConnectGate({
      limits: deps.config.limits,
      authenticate:
        deps.hooks?.authenticate ??
        new DeviceAuthenticator(
          deps.directory,
          deps.replayCache ?? new MemoryConnectReplayCache(deps.clock),
          deps.clock,
          deps.logger,
          { audience: deps.config.audience, clockToleranceSeconds: deps.config.clockToleranceSeconds },
        ).authenticate,
      clock: deps.clock,
      logger: deps.logger,
      metrics: deps.metrics,
      limitStore: deps.limits,
    });
    this.hooks = {
      authorizePublish: deps.hooks?.authorizePublish ?? defaultAuthorizePublish,
      authorizeSubscribe: deps.hooks?.authorizeSubscribe ?? defaultAuthorizeSubscribe,
    };
  }

  /** Sets the receiver of device messages (the transport's dispatcher). */
  onDeviceMessage(listener: DeviceMessageListener): void {
    this.listener = listener;
  }

  /**
   * Sets the receiver of "the device can receive results now": after CONNACK when the restored
   * session already has a matching subscription, otherwise at the first SUBSCRIBE that covers
   * `replies/result`. Once per connection.
   */
  onRepliesSubscribed(listener: RepliesSubscribedListener): void {
    this.repliesListener = listener;
  }

  /** Creates the aedes instance and starts the listeners. */
  async start(): Promise<ListenerAddresses> {
    if (this.aedes) throw new Error('bridge broker already started');
    const { config, logger, metrics } = this.deps;
    const deviceOf = (client: Client | null) => (client ? this.devices.get(client) : undefined);
    const options: AedesOptions = {
      queueLimit: config.limits.queueLimit,
      maxInflightInbound: config.limits.maxInflightInbound,
      maxTopicLevels: config.limits.maxTopicLevels,
      connectTimeout: config.limits.connectTimeoutMs,
      keepaliveLimit: config.limits.keepaliveLimitSeconds,
      drainTimeout: config.limits.drainTimeoutMs,
      // A refusal must carry an error: with (null, false) aedes would leave the socket open.
      preConnect: (client, packet, callback) =>
        this.gate.admit(this.remoteAddresses.get(client.conn), packet.clientId)
          ? callback(null, true)
          : callback(new Error('connection rate limited'), false),
      authenticate: (client, username, password, done) => {
        this.gate
          .authenticate(client, username, password, this.remoteAddresses.get(client.conn))
          .then((outcome) => {
            if (outcome.ok) {
              this.devices.set(client, outcome.device);
              return done(null, true);
            }
            const error = new Error('connection refused') as AuthenticateError;
            error.returnCode = outcome.returnCode;
            done(error, false);
          })
          .catch((err: unknown) => {
            logger.error('mqtt authentication failed', { error: err instanceof Error ? err.message : 'unknown' });
            const error = new Error('server unavailable') as AuthenticateError;
            error.returnCode = 3;
            done(error, false);
          });
      },
      ...createTopicAcl(deviceOf, metrics, logger, this.hooks),
      published: (packet, client, callback) => {
        callback(null);
        const device = deviceOf(client);
        // the bridge's own publications (client null) and $SYS heartbeats are not device messages
        if (device && this.listener) this.listener(device, packet.topic, packet.payload as Buffer);
      },
    };
    const aedes = await Aedes.createBroker(options);
    this.aedes = aedes;
    // aedes reports an internal failure as 'error'; without a listener Node would crash the process.
    (aedes as EventEmitter).on('error', (err: Error) => logger.error('mqtt broker error', { error: err.message }));
    aedes.on('clientError', (client, err) =>
      logger.debug('mqtt client error', { deviceId: deviceOf(client)?.deviceId, error: err.message }),
    );
    aedes.on('connectionError', (_client, err) => logger.debug('mqtt connection error', { error: err.message }));
    aedes.on('clientReady', (client) => {
      const subscribed = Object.keys((client as Client & { subscriptions?: object }).subscriptions ?? {});
      this.notifyRepliesSubscribed(client, subscribed);
    });
    aedes.on('subscribe', (subscriptions, client) => {
      // refused filters come back with qos 128
      this.notifyRepliesSubscribed(
        client,
        subscriptions.filter((s) => (s.qos as number) !== 128).map((s) => s.topic),
      );
    });
    this.listeners = await startListeners(config, (stream, remoteAddress, req) =>
      this.accept(aedes, stream, remoteAddress, req),
    );
    logger.info('mqtt bridge listening', { ...this.listeners.addresses });
    return this.listeners.addresses;
  }

  /** Bound ports; throws before {@link start}. */
  get addresses(): ListenerAddresses {
    if (!this.listeners) throw new Error('bridge broker not started');
    return this.listeners.addresses;
  }

  /** Number of connected clients. */
  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async publish(deviceId: string, message: BridgeMessage): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) throw new Error('bridge broker not started');
    const topic = replyTopic(deviceId, message.type);
    // QoS 1, never retained (docs/protocol.md, "Delivery")
    await new Promise<void>((resolve, reject) =>
      aedes.publish(
        { cmd: 'publish', topic, payload: encodeBridgeMessage(message), qos: 1, retain: false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  isConnected(deviceId: string): boolean {
    return this.clientOf(deviceId)?.connected === true;
  }

  /**
   * A broker-internal subscription that bypasses the device ACL (monitoring; tests use it as an
   * eavesdropper with broker-wide rights). Returns the function that ends it.
   */
  async observe(filter: string, listener: (topic: string, payload: Buffer) => void): Promise<() => Promise<void>> {
    const aedes = this.aedes;
    if (!aedes) throw new Error('bridge broker not started');
    const deliver = (packet: { topic: string; payload: string | Buffer }, callback: () => void) => {
      listener(packet.topic, Buffer.from(packet.payload));
      callback();
    };
    await new Promise<void>((resolve) => aedes.subscribe(filter, deliver, resolve));
    return () => new Promise<void>((resolve) => aedes.unsubscribe(filter, deliver, resolve));
  }

  /** Closes the connection of `deviceId` (after a disable or revoke); false when it is not connected. */
  disconnect(deviceId: string): boolean {
    const client = this.clientOf(deviceId);
    if (!client) return false;
    client.close();
    return true;
  }

  /** Stops the listeners and closes every connection. */
  async stop(): Promise<void> {
    const listeners = this.listeners;
    const aedes = this.aedes;
    this.listeners = undefined;
    this.aedes = undefined;
    const closingListeners = listeners?.close();
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await closingListeners;
  }

  private clientOf(deviceId: string): (Client & { connected?: boolean }) | undefined {
    return (this.aedes as unknown as { clients?: Record<string, Client> } | undefined)?.clients?.[deviceId];
  }

  private notifyRepliesSubscribed(client: Client, filters: string[]): void {
    const device = this.devices.get(client);
    if (!device || !this.repliesListener || this.repliesReady.has(client)) return;
    const results = replyTopic(device.deviceId, 'result');
    if (!filters.some((filter) => topicMatches(filter, results))) return;
    this.repliesReady.add(client);
    this.repliesListener(device);
  }

  private accept(aedes: Aedes, stream: Duplex, remoteAddress: string | undefined, req?: IncomingMessage): void {
    if (remoteAddress) this.remoteAddresses.set(stream, remoteAddress);
    guardFrameSize(stream, this.deps.config.limits.maxPacketBytes, () => {
      this.deps.metrics.countOversizedPacket();
      this.deps.logger.warn('mqtt packet too large, connection closed', { remoteAddress });
    });
    aedes.handle(stream, req);
  }
}
