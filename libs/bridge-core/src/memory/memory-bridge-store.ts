import { createMemoryLimitStore } from '@onboard/platform';
import type { BridgeStore } from '../ports/bridge-store.port';
import {
  MAX_DEVICE_PAGE,
  type DeviceListQuery,
  type DeviceRecord,
  type DeviceRegistry,
  type DeviceStatus,
} from '../ports/device-registry.port';
import type { NewRelayRecord, RelayClaim, RelayLedger, RelayOutcome, RelayRecord } from '../ports/relay-ledger.port';

/** In-memory {@link DeviceRegistry}; returns copies, so callers cannot change stored records. */
export class MemoryDeviceRegistry implements DeviceRegistry {
  private readonly devices = new Map<string, DeviceRecord>();

  async find(deviceId: string): Promise<DeviceRecord | undefined> {
    const record = this.devices.get(deviceId);
    return record && structuredClone(record);
  }

  async save(record: DeviceRecord): Promise<void> {
    this.devices.set(record.deviceId, structuredClone(record));
  }

  async setStatus(deviceId: string, status: DeviceStatus, at: number): Promise<boolean> {
    const record = this.devices.get(deviceId);
    if (!record) return false;
    record.status = status;
    record.updatedAt = at;
    return true;
  }

  async list(query: DeviceListQuery = {}): Promise<DeviceRecord[]> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), MAX_DEVICE_PAGE);
    return [...this.devices.values()]
      .filter(
        (d) =>
          (query.status === undefined || d.status === query.status) &&
          (query.after === undefined || d.deviceId > query.after),
      )
      .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
      .slice(0, limit)
      .map((d) => structuredClone(d));
  }
}

/** In-memory {@link RelayLedger}. */
export class MemoryRelayLedger implements RelayLedger {
  private readonly records = new Map<string, RelayRecord>();
  private readonly byTokenHash = new Map<string, string>();

  async claim(record: NewRelayRecord): Promise<RelayClaim> {
    const key = keyOf(record.deviceId, record.requestId);
    const existing = this.records.get(key);
    if (existing) return { outcome: 'exists', record: structuredClone(existing) };
    if (record.notificationTokenHash !== undefined && this.byTokenHash.has(record.notificationTokenHash)) {
      return { outcome: 'token_in_use' };
    }
    const created: RelayRecord = { ...structuredClone(record), state: 'relayed', updatedAt: record.createdAt };
    this.records.set(key, created);
    if (created.notificationTokenHash !== undefined) this.byTokenHash.set(created.notificationTokenHash, key);
    return { outcome: 'created', record: structuredClone(created) };
  }

  async find(deviceId: string, requestId: string): Promise<RelayRecord | undefined> {
    return copy(this.records.get(keyOf(deviceId, requestId)));
  }

  async findByNotificationTokenHash(hash: string): Promise<RelayRecord | undefined> {
    const key = this.byTokenHash.get(hash);
    return key === undefined ? undefined : copy(this.records.get(key));
  }

  async acknowledge(
    deviceId: string,
    requestId: string,
    ack: { authReqId: string; authExpiresAt: number },
    at: number,
  ): Promise<RelayRecord | undefined> {
    const record = this.records.get(keyOf(deviceId, requestId));
    if (!record) return undefined;
    record.authReqId ??= ack.authReqId;
    record.authExpiresAt ??= ack.authExpiresAt;
    if (record.state === 'relayed') record.state = 'acknowledged';
    record.updatedAt = at;
    return copy(record);
  }

  async storeOutcome(
    deviceId: string,
    requestId: string,
    outcome: RelayOutcome,
    at: number,
    authReqId?: string,
  ): Promise<boolean> {
    const record = this.records.get(keyOf(deviceId, requestId));
    if (!record || (record.state !== 'relayed' && record.state !== 'acknowledged')) return false;
    record.state = 'result_ready';
    record.outcome = structuredClone(outcome);
    if (authReqId !== undefined) record.authReqId ??= authReqId;
    record.updatedAt = at;
    return true;
  }

  async markDelivered(deviceId: string, requestId: string, at: number): Promise<boolean> {
    const record = this.records.get(keyOf(deviceId, requestId));
    if (!record || record.state !== 'result_ready') return false;
    record.state = 'delivered';
    record.updatedAt = at;
    return true;
  }

  async cancel(deviceId: string, requestId: string, at: number): Promise<RelayRecord | undefined> {
    const record = this.records.get(keyOf(deviceId, requestId));
    if (!record) return undefined;
    if (record.state === 'relayed' || record.state === 'acknowledged' || record.state === 'result_ready') {
      record.state = 'cancelled';
      record.updatedAt = at;
    }
    return copy(record);
  }

  async release(deviceId: string, requestId: string): Promise<void> {
    const key = keyOf(deviceId, requestId);
    const record = this.records.get(key);
    if (!record || record.state !== 'relayed') return;
    this.records.delete(key);
    if (record.notificationTokenHash !== undefined) this.byTokenHash.delete(record.notificationTokenHash);
  }

  async undelivered(deviceId: string): Promise<RelayRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.deviceId === deviceId && r.state === 'result_ready')
      .sort((a, b) => a.updatedAt - b.updatedAt)
      .map((r) => structuredClone(r));
  }

  async purge(before: number): Promise<number> {
    let removed = 0;
    for (const [key, record] of this.records) {
      if (record.updatedAt >= before) continue;
      this.records.delete(key);
      if (record.notificationTokenHash !== undefined) this.byTokenHash.delete(record.notificationTokenHash);
      removed++;
    }
    return removed;
  }
}

/**
 * An in-memory {@link BridgeStore} for unit tests and short-lived runs (results are lost on restart).
 * @example
 * const store = createMemoryBridgeStore();
 * await store.devices.save({ deviceId: 'hu-1', publicJwks: [jwk], status: 'active', createdAt: 0, updatedAt: 0 });
 */
export function createMemoryBridgeStore(): BridgeStore {
  return {
    devices: new MemoryDeviceRegistry(),
    relays: new MemoryRelayLedger(),
    limits: createMemoryLimitStore(),
    close: async () => undefined,
  };
}

function keyOf(deviceId: string, requestId: string): string {
  // device ids and request ids never contain a space (docs/protocol.md)
  return `${deviceId} ${requestId}`;
}

function copy(record: RelayRecord | undefined): RelayRecord | undefined {
  return record && structuredClone(record);
}
