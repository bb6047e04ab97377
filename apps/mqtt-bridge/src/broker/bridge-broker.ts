import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import {
  defaultAuthorizePublish,
  defaultAuthorizeSubscribe,
  type DeviceHooks,
  type DevicePublisher,
} from '@onboard/bridge-core';
import { SourceFailures, createMemoryLimitStore, type Clock, type LimitStore, type Logger } from '@onboard/platform';
import { encodeBridgeMessage, isValidDeviceId, replyTopic, type BridgeMessage } from '@onboard/mqtt-contract';
import type { BridgeConfig } from '../config/bridge-config';
import type { PresentedCertificate } from '../devices/device-certificate';
import type { DeviceDirectory } from '../devices/device-directory.port';
import { BridgeMetrics } from './bridge-metrics';
import { MemoryConnectReplayCache, type ConnectReplayCache } from './connect-replay-cache';
import {
  CONNACK,
  DeviceAuthenticator,
  type AuthenticatedDevice,
  type AuthenticationOutcome,
} from './device-authenticator';
import type { ConnectRefusal } from './bridge-metrics';
import { guardFrameSize } from './frame-size-guard';
import { startListeners, type ListenerAddresses, type Listeners } from './listeners';
import { TokenBucketLimiter } from './token-bucket';
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

/** Refusals that say the credential was wrong: counted against the remote address. */
const GUESSES: ReadonlySet<ConnectRefusal> = new Set<ConnectRefusal>([
  'invalid_client_id',
  'username_mismatch',
  'missing_credential',
  'unknown_device',
  'replayed_credential',
  'malformed',
  'bad_signature',
  'expired',
  'invalid_claims',
  'lifetime_too_long',
  'certificate_mismatch',
]);

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
  private readonly perIp: TokenBucketLimiter;
  private readonly perClientId: TokenBucketLimiter;
  private readonly hooks: DeviceHooks;
  private readonly failures: SourceFailures;

  constructor(private readonly deps: BridgeBrokerDependencies) {
    const { limits } = deps.config;
    this.perIp = new TokenBucketLimiter(deps.clock, {
      capacity: limits.connectBurstPerIp,
      refillPerSecond: limits.connectRatePerIpPerSecond,
    });
    this.perClientId = new TokenBucketLimiter(deps.clock, {
      capacity: limits.connectBurstPerClientId,
      refillPerSecond: limits.connectRatePerClientIdPerSecond,
    });
    this.failures = new SourceFailures(
      (deps.limits ?? createMemoryLimitStore()).limiter({
        name: 'bridge_auth_mqtt',
        points: limits.authFailuresPerSource,
        windowSeconds: limits.authFailureWindowSeconds,
        blockSeconds: limits.authBlockSeconds,
      }),
    );
    this.hooks = {
      authenticate:
        deps.hooks?.authenticate ??
        new DeviceAuthenticator(
          deps.directory,
          deps.replayCache ?? new MemoryConnectReplayCache(deps.clock),
          deps.clock,
          deps.logger,
          { audience: deps.config.audience, clockToleranceSeconds: deps.config.clockToleranceSeconds },
        ).authenticate,
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
        this.admit(client, packet.clientId)
          ? callback(null, true)
          : callback(new Error('connection rate limited'), false),
      authenticate: (client, username, password, done) => {
        this.authenticateLimited(client, username, password)
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

  /**
   * Device authentication under the limit on refused credentials per remote address (README,
   * "Limits"): a blocked address gets CONNACK 3 (server unavailable: devices back off and retry)
   * before its credential is looked at, so a blocked guesser learns nothing, not even from a
   * right guess; each credential refused as wrong counts against the address.
   */
  private async authenticateLimited(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<AuthenticationOutcome> {
    const remoteAddress = this.remoteAddresses.get(client.conn);
    if (remoteAddress !== undefined && !(await this.failures.check(remoteAddress)).allowed) {
      this.deps.metrics.countConnectRefusal('source_blocked');
      this.deps.logger.warn('mqtt connect refused', { reason: 'source_blocked', remoteAddress });
      return { ok: false, returnCode: CONNACK.serverUnavailable, reason: 'source_blocked' };
    }
    const certificate = peerCertificate(client);
    const decided = await this.hooks.authenticate({
      clientId: client.id,
      username,
      password,
      remoteAddress,
      ...(certificate ? { certificate } : {}),
    });
    // replies are addressed by client id: a hook may not name another device than the one connecting
    const outcome: AuthenticationOutcome =
      decided.ok && decided.device.deviceId !== client.id
        ? { ok: false, returnCode: CONNACK.identifierRejected, reason: 'invalid_client_id' }
        : decided;
    if (outcome.ok) {
      this.deps.logger.debug('mqtt device connected', { deviceId: outcome.device.deviceId, remoteAddress });
      return outcome;
    }
    this.deps.metrics.countConnectRefusal(outcome.reason);
    this.deps.logger.warn('mqtt connect refused', {
      // an invalid client id is not echoed: it could be anything, including personal data
      deviceId: isValidDeviceId(client.id) ? client.id : undefined,
      reason: outcome.reason,
      returnCode: outcome.returnCode,
      remoteAddress,
    });
    if (remoteAddress !== undefined && GUESSES.has(outcome.reason)) {
      const state = await this.failures.fail(remoteAddress);
      if (!state.allowed) this.deps.logger.warn('mqtt connect source blocked', { remoteAddress });
    }
    return outcome;
  }

  /** Connection rate limits per remote address and per client id (before any credential work). */
  private admit(client: Client, clientId: string): boolean {
    const ip = this.remoteAddresses.get(client.conn) ?? 'unknown';
    if (this.perIp.take(ip) && this.perClientId.take(clientId)) return true;
    this.deps.metrics.countConnectionRateLimited();
    this.deps.logger.warn('mqtt connection rate limited', { remoteAddress: ip });
    return false;
  }
}

/** The client certificate of a mutual-TLS connection, if the device sent one. */
function peerCertificate(client: Client): PresentedCertificate | undefined {
  const socket = client.conn as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.raw) return undefined;
  return { raw: peer.raw, authorized: socket.authorized === true };
}
