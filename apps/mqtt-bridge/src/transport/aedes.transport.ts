import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { Logger, Clock } from '@onboard/platform';
import {
  DEVICE_MESSAGE_TYPES,
  type BridgeMessage,
  type DeviceMessageType,
  type SealedPayloadKeys,
} from '@onboard/mqtt-contract';
import type { DeviceMessageListener, DevicePublisher } from '../broker/bridge-broker';
import type { BridgeMetrics } from '../broker/bridge-metrics';
import { TokenBucketLimiter } from '../broker/token-bucket';
import { DeviceContext } from './device.context';
import { DeviceMessageDispatcher, type DeviceMessageRoute } from '@onboard/bridge-core';

const DEVICE_TYPES: ReadonlySet<string> = new Set(DEVICE_MESSAGE_TYPES);

/**
 * Where device messages come from and replies go: the embedded aedes broker (`BridgeBroker`), or
 * the subscription at an external broker (`ExternalBrokerSource`, external-broker mode).
 */
export interface DeviceMessageSource extends Pick<DevicePublisher, 'publish'> {
  onDeviceMessage(listener: DeviceMessageListener): void;
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

export interface AedesTransportOptions {
  broker: DeviceMessageSource;
  metrics: BridgeMetrics;
  logger: Logger;
  clock: Clock;
  messageBurstPerDevice: number;
  messageRatePerDevicePerSecond: number;
  /** The bridge's keys for sealed payloads (docs/protocol.md §5a). */
  payloadKeys: SealedPayloadKeys;
}

/**
 * Nest transport strategy over the embedded aedes broker. Handlers are registered with
 * `@MessagePattern(type)` where `type` is a device message type (`verification`, `cancel`,
 * `refresh`); the device protocol's own JSON travels on the wire, not Nest's `{pattern, data, id}`
 * envelope. Each handler gets the validated message (`@Payload()`) and a {@link DeviceContext}
 * (`@Ctx()`); the message it returns is published to the same device.
 */
export class AedesTransport extends Server implements CustomTransportStrategy {
  private readonly dispatcher: DeviceMessageDispatcher;

  constructor(private readonly options: AedesTransportOptions) {
    super();
    this.dispatcher = new DeviceMessageDispatcher({
      handlerFor: (type) => this.deviceHandler(type),
      publisher: options.broker,
      limiter: new TokenBucketLimiter(options.clock, {
        capacity: options.messageBurstPerDevice,
        refillPerSecond: options.messageRatePerDevicePerSecond,
      }),
      metrics: options.metrics,
      logger: options.logger,
      payloadKeys: options.payloadKeys,
    });
  }

  /** Starts the broker; called by `app.listen()`. */
  async listen(callback: (err?: unknown) => void): Promise<void> {
    for (const pattern of this.getHandlers().keys()) {
      if (!DEVICE_TYPES.has(pattern))
        return callback(new Error(`handler pattern is not a device message type: ${pattern}`));
    }
    this.options.broker.onDeviceMessage(
      (device, topic, payload) => void this.dispatcher.dispatch(device, topic, payload),
    );
    try {
      await this.options.broker.start();
    } catch (err) {
      return callback(err);
    }
    callback();
  }

  /** Stops the broker; called by `app.close()`. */
  async close(): Promise<void> {
    await this.options.broker.stop();
  }

  on(): never {
    throw new Error('AedesTransport has no transport events');
  }

  unwrap<T>(): T {
    return this.options.broker as T;
  }

  private deviceHandler(type: DeviceMessageType): DeviceMessageRoute | undefined {
    const handler = this.getHandlerByPattern(type);
    if (!handler) return undefined;
    return async (message, device, topic) => {
      const result = await handler(message, new DeviceContext(device, topic));
      if (handler.isEventHandler) return undefined;
      return lastValueFrom(this.transformToObservable<BridgeMessage | undefined>(result), { defaultValue: undefined });
    };
  }
}
