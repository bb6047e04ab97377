import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '@onboard/platform';
import type { DevicePublisher } from '@onboard/bridge-core';
import type { ExternalBrokerConfig } from '@onboard/config';
import { TOPIC_ROOT, encodeBridgeMessage, parseTopic, replyTopic, type BridgeMessage } from '@onboard/mqtt-contract';
import type { BridgeMetrics } from '../broker/bridge-metrics';
import type { DeviceMessageListener } from '../broker/bridge-broker';

/** The one subscription of the bridge at an external broker: every device's requests. */
export const EXTERNAL_REQUESTS_FILTER = `${TOPIC_ROOT}/+/requests/#`;

/** Where the source checks that a topic's device is a registered, active device. */
export interface ActiveDeviceLookup {
  find(deviceId: string): Promise<{ status: string } | undefined>;
}

export interface ExternalBrokerSourceDependencies {
  config: ExternalBrokerConfig;
  devices: ActiveDeviceLookup;
  metrics: BridgeMetrics;
  logger: Logger;
  /** Extra mqtt.js options (tests: TLS material, timeouts). */
  clientOptions?: IClientOptions;
}

/**
 * External-broker mode: the bridge is a privileged MQTT client of an existing broker (Mosquitto,
 * EMQX) instead of embedding aedes. It subscribes to `onboard/v1/devices/+/requests/#` with a
 * persistent session (clean session 0, QoS 1), so requests published while the bridge restarts
 * are kept for it, and publishes replies to `onboard/v1/devices/{id}/replies/{type}` (QoS 1,
 * never retained).
 *
 * The device id is taken from the topic. That is safe only because the external broker
 * authenticates every device and its ACL lets a device publish under its own subtree alone
 * (docs/external-broker.md): a device cannot write into another device's `requests/` level, so a
 * topic's device id is the publisher's. As a second line, a message is dropped (counted as
 * `unauthenticated`) unless the topic's device is registered and active at the bridge, which also
 * stops a disabled device at once even where the broker still lets it in.
 *
 * Like the embedded broker, the source acknowledges a PUBLISH as it hands it to the dispatcher;
 * the dispatcher's request ledger makes a repeated message harmless.
 *
 * @example
 * const source = new ExternalBrokerSource({ config: config.externalBroker, devices: registry, metrics, logger });
 * source.onDeviceMessage((device, topic, payload) => dispatcher.dispatch(device, topic, payload));
 * await source.start();
 */
export class ExternalBrokerSource implements DevicePublisher {
  private client: MqttClient | undefined;
  private listener: DeviceMessageListener | undefined;
  /** Per device, the tail of its messages awaiting the registry check (keeps their order). */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly deps: ExternalBrokerSourceDependencies) {}

  /** Sets the receiver of device messages (the transport's dispatcher). */
  onDeviceMessage(listener: DeviceMessageListener): void {
    this.listener = listener;
  }

  /** Connects, subscribes, and resolves once the subscription is granted. */
  async start(): Promise<{ external: string }> {
    if (this.client) throw new Error('external broker source already started');
    const { config, logger } = this.deps;
    const client = mqtt.connect(config.url, {
      protocolVersion: 4,
      clientId: config.clientId,
      username: config.username,
      password: config.password,
      // A persistent session: the broker keeps QoS 1 requests while the bridge is away.
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: true,
      ...this.deps.clientOptions,
    });
    // Attached before the CONNACK: a broker sends the requests it kept right behind it.
    client.on('message', (topic, payload) => this.receive(topic, payload));
    client.on('offline', () => logger.warn('external broker connection lost'));
    client.on('connect', () => logger.info('external broker connected', { url: config.url }));
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
    } catch (err) {
      await client.endAsync(true);
      throw err;
    }
    client.on('error', (err) => logger.warn('external broker error', { error: err.message }));
    this.client = client;
    const granted = await client.subscribeAsync(EXTERNAL_REQUESTS_FILTER, { qos: 1 });
    if (granted.some((g) => g.qos !== 1)) {
      await client.endAsync(true);
      this.client = undefined;
      throw new Error(`the external broker refused the subscription to ${EXTERNAL_REQUESTS_FILTER}`);
    }
    logger.info('bridge subscribed at the external broker', { url: config.url, filter: EXTERNAL_REQUESTS_FILTER });
    return { external: config.url };
  }

  /** True while the connection to the external broker is up (health check). */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async publish(deviceId: string, message: BridgeMessage): Promise<void> {
    const client = this.client;
    if (!client) throw new Error('external broker source not started');
    // QoS 1, never retained (docs/protocol.md, "Delivery")
    await client.publishAsync(replyTopic(deviceId, message.type), encodeBridgeMessage(message), {
      qos: 1,
      retain: false,
    });
  }

  /**
   * The bridge cannot see who is connected at an external broker: every device counts as
   * connected. A reply to an offline device waits in its persistent session at the broker.
   */
  isConnected(): boolean {
    return true;
  }

  /**
   * Connections at an external broker cannot be closed from here (the broker's own admin tools
   * do it); the source already drops every message of a device that is not active. False.
   */
  disconnect(): boolean {
    return false;
  }

  /** Unsubscribes nothing (the persistent session keeps collecting requests) and disconnects. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.endAsync();
  }

  /** Hands messages of one device to the listener in arrival order, after the registry check. */
  private receive(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.direction !== 'request') return this.deps.metrics.countDrop('foreign_topic');
    const { deviceId } = parsed;
    const next = (this.queues.get(deviceId) ?? Promise.resolve()).then(async () => {
      if (await this.isActive(deviceId)) this.listener?.({ deviceId }, topic, payload);
    });
    this.queues.set(deviceId, next);
    void next.finally(() => {
      if (this.queues.get(deviceId) === next) this.queues.delete(deviceId);
    });
  }

  private async isActive(deviceId: string): Promise<boolean> {
    const { metrics, logger } = this.deps;
    let device;
    try {
      device = await this.deps.devices.find(deviceId);
    } catch (err) {
      logger.error('device registry failed', { error: err instanceof Error ? err.message : 'unknown' });
      metrics.countDrop('unauthenticated');
      return false;
    }
    if (device?.status === 'active') return true;
    logger.warn('message of an inactive or unknown device dropped', { deviceId, status: device?.status ?? 'unknown' });
    metrics.countDrop('unauthenticated');
    return false;
  }
}
