import type { DeviceRecord } from '@onboard/bridge-core';

export type { DeviceRecord, DeviceStatus } from '@onboard/bridge-core';

/**
 * Policy hook "authenticate a device" (STYLE §13): where the bridge looks devices up.
 * Runs on every CONNECT, after the rate limits and before the credential's signature is checked.
 * Returns the record, or undefined for an unknown device (the CONNACK then refuses with
 * "bad user name or password"). A thrown error refuses the connection with "server unavailable".
 * The bridge store's device registry is one (`store.devices`).
 */
export interface DeviceDirectory {
  find(deviceId: string): Promise<DeviceRecord | undefined>;
}

/** Injection token of the {@link DeviceDirectory}. */
export const DEVICE_DIRECTORY = Symbol('DeviceDirectory');
