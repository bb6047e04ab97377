import type { BridgeMessage } from '@onboard/mqtt-contract';

/** Port through which the bridge sends a message to a device (MQTT publish, QoS 1, never retained). */
export interface DevicePublisher {
  publish(deviceId: string, message: BridgeMessage): Promise<void>;
  /**
   * True when the device has a live connection. Results for a device that is not connected are not
   * published (they wait in the ledger and are delivered when it subscribes again), so the broker's
   * offline queue never holds a second copy.
   */
  isConnected(deviceId: string): boolean;
}
