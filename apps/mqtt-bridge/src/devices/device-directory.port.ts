import type { JWK } from 'jose';

/** Registration state of a device. Only `active` devices may connect. */
export type DeviceStatus = 'active' | 'disabled' | 'revoked';

/** A registered head-unit as the bridge sees it. */
export interface DeviceRecord {
  deviceId: string;
  /** Public signing keys registered for the device (its private keys never leave it). */
  publicJwks: JWK[];
  status: DeviceStatus;
}

/**
 * Policy hook "authenticate a device" (STYLE §13): where the bridge looks devices up.
 * Runs on every CONNECT, after the rate limits and before the credential's signature is checked.
 * Returns the record, or undefined for an unknown device (the CONNACK then refuses with
 * "bad user name or password"). A thrown error refuses the connection with "server unavailable".
 */
export interface DeviceDirectory {
  find(deviceId: string): Promise<DeviceRecord | undefined>;
}

/** Injection token of the {@link DeviceDirectory}. */
export const DEVICE_DIRECTORY = Symbol('DeviceDirectory');
