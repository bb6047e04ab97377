import type { BridgeMessage, DeviceMessage } from '@onboard/mqtt-contract';

/**
 * The logic of one device message type (docs/protocol.md §6). The dispatcher has already checked
 * the preconditions: `deviceId` is the device authenticated at CONNECT, the topic is its own and
 * the payload was opened and validated against the mqtt-contract schema. The returned message
 * (if any) is published to the same device; a handler may also publish itself (the verification
 * acknowledgement goes out before the result of a push that overtook it).
 */
export interface DeviceMessageHandler<M extends DeviceMessage = DeviceMessage> {
  handle(deviceId: string, message: M): Promise<BridgeMessage | undefined>;
}
