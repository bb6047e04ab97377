import type { JWK } from 'jose';

/** Registration state of a device. Only `active` devices may connect or relay requests. */
export const DEVICE_STATUSES = ['active', 'disabled', 'revoked'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** A registered head-unit as the bridge stores it. */
export interface DeviceRecord {
  /** The device id, which is also the device's CIBA client_id at the provider. */
  deviceId: string;
  /**
   * The device's public keys: its signing key (`use: sig`, connect credential, request objects,
   * client assertions, DPoP) and its encryption key (`use: enc`, token responses). The private keys
   * never leave the device.
   */
  publicJwks: JWK[];
  status: DeviceStatus;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Milliseconds since the epoch; the last registration or status change. */
  updatedAt: number;
}

/** Query of {@link DeviceRegistry.list}: keyset pagination by device id. */
export interface DeviceListQuery {
  status?: DeviceStatus;
  /** Return devices whose id sorts after this one (the last id of the previous page). */
  after?: string;
  /** Page size; implementations cap it at 1000. Default 100. */
  limit?: number;
}

/**
 * The bridge's device registry (the source of truth for devices, mirrored at the provider as CIBA
 * clients). Read on every CONNECT; written by the admin API.
 */
export interface DeviceRegistry {
  /** The device, or undefined when it is unknown. */
  find(deviceId: string): Promise<DeviceRecord | undefined>;
  /** Registers a device, or replaces the registration with the same id (keys and status). */
  save(record: DeviceRecord): Promise<void>;
  /** Changes a device's status; false when the device is unknown. */
  setStatus(deviceId: string, status: DeviceStatus, at: number): Promise<boolean>;
  /** Devices ordered by id. */
  list(query?: DeviceListQuery): Promise<DeviceRecord[]>;
}

/** Largest page {@link DeviceRegistry.list} returns. */
export const MAX_DEVICE_PAGE = 1000;
