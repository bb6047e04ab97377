import type { DeviceDirectory, DeviceRecord, DeviceStatus } from './device-directory.port';

/** A device to register: its times are optional. */
export type NewDevice = Omit<DeviceRecord, 'createdAt' | 'updatedAt'> &
  Partial<Pick<DeviceRecord, 'createdAt' | 'updatedAt'>>;

/** In-memory {@link DeviceDirectory} for tests and the all-in-one start. */
export class MemoryDeviceDirectory implements DeviceDirectory {
  private readonly devices = new Map<string, DeviceRecord>();

  constructor(records: Iterable<NewDevice> = []) {
    for (const record of records) this.upsert(record);
  }

  async find(deviceId: string): Promise<DeviceRecord | undefined> {
    const record = this.devices.get(deviceId);
    return record && structuredClone(record);
  }

  /** Registers or replaces a device (its times default to now). */
  upsert(record: NewDevice): void {
    const now = Date.now();
    this.devices.set(record.deviceId, structuredClone({ createdAt: now, updatedAt: now, ...record }));
  }

  /** Changes a device's status; false when the device is unknown. */
  setStatus(deviceId: string, status: DeviceStatus): boolean {
    const record = this.devices.get(deviceId);
    if (!record) return false;
    record.status = status;
    return true;
  }
}
