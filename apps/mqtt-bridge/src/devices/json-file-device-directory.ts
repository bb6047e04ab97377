import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JWK } from 'jose';
import type { Clock, Logger } from '@onboard/ciba-core';
import { isValidDeviceId } from '@onboard/mqtt-contract';
import type { DeviceDirectory, DeviceRecord, DeviceStatus } from './device-directory.port';

/**
 * File format (snake_case, like the rest of our wire formats):
 * `{ "devices": [ { "device_id": "hu-1", "status": "active", "public_jwks": { "keys": [ ... ] } } ] }`
 */
interface DeviceFile {
  devices: Array<{ device_id: string; status: DeviceStatus; public_jwks: { keys: JWK[] } }>;
}

const STATUSES: ReadonlySet<string> = new Set(['active', 'disabled', 'revoked']);

/**
 * A {@link DeviceDirectory} persisted in a JSON file. Writes replace the file atomically
 * (write to a temporary file, then rename); edits made by another process are picked up within
 * `recheckMs` (the file's modification time is checked at most that often).
 */
export class JsonFileDeviceDirectory implements DeviceDirectory {
  private devices = new Map<string, DeviceRecord>();
  private loadedMtimeMs = -1;
  private checkedAt = -Infinity;

  private constructor(
    private readonly path: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly recheckMs: number,
  ) {}

  /** Opens (and creates, when missing) the directory file. */
  static async open(
    path: string,
    deps: { clock: Clock; logger: Logger; recheckMs?: number },
  ): Promise<JsonFileDeviceDirectory> {
    const directory = new JsonFileDeviceDirectory(path, deps.clock, deps.logger, deps.recheckMs ?? 1000);
    try {
      await stat(path);
    } catch {
      await directory.write();
    }
    await directory.reloadIfChanged(true);
    return directory;
  }

  async find(deviceId: string): Promise<DeviceRecord | undefined> {
    await this.reloadIfChanged(false);
    const record = this.devices.get(deviceId);
    return record && structuredClone(record);
  }

  /** Registers or replaces a device and saves the file. */
  async upsert(record: DeviceRecord): Promise<void> {
    await this.reloadIfChanged(true);
    this.devices.set(record.deviceId, structuredClone(record));
    await this.write();
  }

  /** Changes a device's status and saves the file; false when the device is unknown. */
  async setStatus(deviceId: string, status: DeviceStatus): Promise<boolean> {
    await this.reloadIfChanged(true);
    const record = this.devices.get(deviceId);
    if (!record) return false;
    record.status = status;
    await this.write();
    return true;
  }

  private async reloadIfChanged(force: boolean): Promise<void> {
    const now = this.clock.now();
    if (!force && now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    const { mtimeMs } = await stat(this.path);
    if (mtimeMs === this.loadedMtimeMs) return;
    const parsed = JSON.parse(await readFile(this.path, 'utf8')) as Partial<DeviceFile>;
    const devices = new Map<string, DeviceRecord>();
    for (const entry of Array.isArray(parsed.devices) ? parsed.devices : []) {
      const record = toRecord(entry);
      if (record) devices.set(record.deviceId, record);
      else this.logger.warn('device directory entry ignored', { reason: 'invalid entry' });
    }
    this.devices = devices;
    this.loadedMtimeMs = mtimeMs;
  }

  private async write(): Promise<void> {
    const file: DeviceFile = {
      devices: [...this.devices.values()].map((d) => ({
        device_id: d.deviceId,
        status: d.status,
        public_jwks: { keys: d.publicJwks },
      })),
    };
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(file, null, 2), { mode: 0o600 });
    await rename(tmp, this.path);
    this.loadedMtimeMs = (await stat(this.path)).mtimeMs;
  }
}

function toRecord(entry: unknown): DeviceRecord | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const jwks = e.public_jwks as { keys?: unknown } | undefined;
  if (!isValidDeviceId(e.device_id) || typeof e.status !== 'string' || !STATUSES.has(e.status)) return undefined;
  if (!jwks || !Array.isArray(jwks.keys) || !jwks.keys.every((k) => typeof k === 'object' && k !== null))
    return undefined;
  return { deviceId: e.device_id, status: e.status as DeviceStatus, publicJwks: jwks.keys as JWK[] };
}
