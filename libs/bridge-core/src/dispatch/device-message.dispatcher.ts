import { randomUUID } from 'node:crypto';
import type { Logger } from '@onboard/platform';
import {
  decodeDeviceMessage,
  isSealedPayload,
  mustBeSealed,
  openSealedPayload,
  parseTopic,
  type SealedPayloadKeys,
  type BridgeMessage,
  type DeviceMessage,
  type DeviceMessageType,
  type ErrorMessage,
} from '@onboard/mqtt-contract';
import type { DevicePublisher } from '../ports/device-publisher.port';
import type { AuthenticatedDevice } from '../ports/device-hooks.port';

/** Why an inbound message was dropped without an answer (docs/protocol.md §8). */
export type DropReason = 'unauthenticated' | 'foreign_topic' | 'rate_limited';

/** The dispatcher's counters (the bridge's metrics implement them). */
export interface DispatchMetrics {
  countDrop(reason: DropReason): void;
  /** `outcome`: the reply's type, `error:<code>`, `none` or `dropped:<code>`. */
  countHandled(messageType: DeviceMessageType | 'unknown', outcome: string): void;
}

/** Messages per device: `take` spends one and says whether the device was within its rate. */
export interface MessageRateLimiter {
  take(deviceId: string): boolean;
}

/** The handler of one message type as the dispatcher calls it: the validated message, the authenticated device, the topic. */
export type DeviceMessageRoute = (
  message: DeviceMessage,
  device: AuthenticatedDevice,
  topic: string,
) => Promise<BridgeMessage | undefined>;

export interface DeviceMessageDispatcherDependencies {
  handlerFor(type: DeviceMessageType): DeviceMessageRoute | undefined;
  publisher: Pick<DevicePublisher, 'publish'>;
  /** Messages per device; the excess is dropped. */
  limiter: MessageRateLimiter;
  metrics: DispatchMetrics;
  logger: Logger;
  /** The bridge's private keys for sealed payloads (docs/protocol.md §5a). */
  payloadKeys: SealedPayloadKeys;
}

/**
 * The one dispatcher of device messages (STYLE §8). Preconditions come first, in this order:
 * 1. an authenticated device (else: dropped, `unauthenticated`);
 * 2. a topic of the scheme in that device's own `requests/` level (else: dropped, `foreign_topic`;
 *    the topic ACL already refuses these, this is the second line);
 * 3. the device's message rate (else: dropped, `rate_limited`);
 * 4. a known message type (else: `unknown_message_type` on the error topic);
 * 5. a sealed payload (a JWE to the bridge's key) opens, and `verification` and `refresh` arrive
 *    sealed (else: `invalid_message`): docs/protocol.md §5a;
 * 6. a valid payload (else: `invalid_message` / `payload_too_large` on the error topic);
 * a malformed `result-ack` is never answered (docs/protocol.md §8);
 * then the handler for the type runs and its reply goes to the same device. An exception in a
 * handler becomes `server_error` with an error id that is also logged.
 */
export class DeviceMessageDispatcher {
  constructor(private readonly deps: DeviceMessageDispatcherDependencies) {}

  /** Handles one PUBLISH; never throws. */
  async dispatch(device: AuthenticatedDevice | undefined, topic: string, payload: Buffer): Promise<void> {
    try {
      await this.run(device, topic, payload);
    } catch (err) {
      this.deps.logger.error('device message dispatch failed', { deviceId: device?.deviceId, error: describe(err) });
    }
  }

  private async run(device: AuthenticatedDevice | undefined, topic: string, payload: Buffer): Promise<void> {
    const { metrics } = this.deps;
    if (!device) return metrics.countDrop('unauthenticated');
    const parsed = parseTopic(topic);
    if (!parsed || parsed.direction !== 'request' || parsed.deviceId !== device.deviceId)
      return metrics.countDrop('foreign_topic');
    if (!this.deps.limiter.take(device.deviceId)) return metrics.countDrop('rate_limited');
    if (!parsed.type) {
      // the level is the device's choice: never a metric label (one series per level otherwise)
      return this.reply(
        device,
        'unknown',
        protocolError(null, 'unknown_message_type', 'no message type is published on this topic'),
      );
    }
    const opened = await this.open(parsed.type, payload);
    if (!opened.ok) {
      if (parsed.type === 'result-ack') return metrics.countHandled(parsed.type, 'dropped:invalid_message');
      return this.reply(device, parsed.type, protocolError(opened.requestId, 'invalid_message', opened.description));
    }
    const decoded = decodeDeviceMessage(parsed.type, opened.plaintext);
    if (!decoded.ok) {
      // docs/protocol.md §8: a result-ack needs no answer, not even to say it was malformed
      if (parsed.type === 'result-ack') return metrics.countHandled(parsed.type, `dropped:${decoded.error}`);
      return this.reply(device, parsed.type, protocolError(decoded.requestId, decoded.error, decoded.description));
    }
    const handler = this.deps.handlerFor(parsed.type);
    if (!handler) {
      return this.reply(
        device,
        parsed.type,
        protocolError(decoded.message.requestId, 'not_implemented', 'message type not handled'),
      );
    }
    let reply: BridgeMessage | undefined;
    try {
      reply = await handler(decoded.message, device, topic);
    } catch (err) {
      const errorId = randomUUID();
      this.deps.logger.error('device message handler failed', {
        errorId,
        deviceId: device.deviceId,
        type: parsed.type,
        error: describe(err),
      });
      reply = protocolError(decoded.message.requestId, 'server_error', `internal error ${errorId}`);
    }
    if (reply) await this.reply(device, parsed.type, reply);
    else metrics.countHandled(parsed.type, 'none');
  }

  /**
   * The JSON of a device message: a sealed payload opened with the bridge's keys, a clear one as
   * it is, unless its type must be sealed (it would have shown tokens or personal data to every
   * subscriber of the broker; the device is told, with the request id when it is readable).
   */
  private async open(
    type: DeviceMessageType,
    payload: Buffer,
  ): Promise<{ ok: true; plaintext: Buffer } | { ok: false; requestId: string | null; description: string }> {
    if (isSealedPayload(payload)) {
      const opened = await openSealedPayload(payload, this.deps.payloadKeys);
      return opened.ok ? opened : { ok: false, requestId: null, description: opened.description };
    }
    if (!mustBeSealed(type)) return { ok: true, plaintext: payload };
    const clear = decodeDeviceMessage(type, payload);
    return {
      ok: false,
      requestId: clear.ok ? clear.message.requestId : clear.requestId,
      description: `a ${type} payload must be sealed: a compact JWE to the bridge's encryption key`,
    };
  }

  private async reply(
    device: AuthenticatedDevice,
    type: DeviceMessageType | 'unknown',
    message: BridgeMessage,
  ): Promise<void> {
    this.deps.metrics.countHandled(type, message.type === 'error' ? `error:${message.error}` : message.type);
    await this.deps.publisher.publish(device.deviceId, message);
  }
}

function protocolError(requestId: string | null, error: ErrorMessage['error'], errorDescription: string): ErrorMessage {
  return { type: 'error', requestId, error, errorDescription };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return 'unknown error';
}
