import { encodeDeviceMessage, requestTopic, type CancelMessage, type ResultAckMessage } from '@onboard/mqtt-contract';
import type { DeviceConnection } from '../connection/device-connection';

/** The control messages: they carry only a `request_id` and travel in clear (docs/protocol.md §5a). */
export type ControlMessage = CancelMessage | ResultAckMessage;

/**
 * Cancellations and result confirmations, published with QoS 1 until the broker's PUBACK: one
 * lost with the connection is published again on the next `online` (docs/device-client.md §5).
 */
export class ControlOutbox {
  /** Keyed by `{type}:{requestId}`: a second cancel of the same request replaces the first. */
  private readonly unconfirmed = new Map<string, ControlMessage>();

  constructor(
    private readonly connection: DeviceConnection,
    private readonly deviceId: string,
  ) {}

  send(message: ControlMessage): void {
    const key = `${message.type}:${message.requestId}`;
    this.unconfirmed.set(key, message);
    this.publish(key, message);
  }

  /** Publishes again every message the broker has not acknowledged (after a reconnect). */
  flush(): void {
    for (const [key, message] of this.unconfirmed) this.publish(key, message);
  }

  private publish(key: string, message: ControlMessage): void {
    if (!this.connection.isOnline) return;
    this.connection
      .publish(requestTopic(this.deviceId, message.type), encodeDeviceMessage(message))
      .then(() => {
        if (this.unconfirmed.get(key) === message) this.unconfirmed.delete(key);
      })
      .catch(() => undefined); // kept, published again on the next 'online'
  }
}
