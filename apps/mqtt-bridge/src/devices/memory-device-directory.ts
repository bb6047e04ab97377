import type { DeviceDirectory, DeviceRecord, DeviceStatus } from './device-directory.port';

/** In-memory {@link DeviceDirectory} for tests and the all-in-one start. */
export class MemoryDeviceDirectory implements DeviceDirectory {
  private readonly devices = new Map<string, DeviceRecord>();

  constructor(records: Iterable<DeviceRecord> = []) {
    for (const record of records) this.upsert(record);
  }

  async find(deviceId: string): Promise<DeviceRecord | undefined> {
    const record = this.devices.get(deviceId);
    return record && structuredClone(record);
  }

  /** Registers or replaces a device. */
  upsert(record: DeviceRecord): void {
    this.devices.set(record.deviceId, structuredClone(record));
  }

  /** Changes a device's status; false when the device is unknown. */
  setStatus(deviceId: string, status: DeviceStatus): boolean {
    const record = this.devices.get(deviceId);
    if (!record) return false;
    record.status = status;
    return true;
  }
}
