import type { LimitStore } from '@onboard/platform';
import {
  MAX_DEVICE_PAGE,
  type BridgeStore,
  type DeviceListQuery,
  type DeviceRecord,
  type DeviceRegistry,
  type DeviceStatus,
  type NewRelayRecord,
  type RelayClaim,
  type RelayLedger,
  type RelayOutcome,
  type RelayRecord,
} from '@onboard/bridge-core';
import { Conditions, type Row, type SqlSession } from '@onboard/sql-kit';

const DEVICE_COLUMNS = 'device_id, public_jwks, status, created_at, updated_at';
const RELAY_COLUMNS =
  'device_id, request_id, kind, fingerprint, state, notification_token_hash, auth_req_id, auth_expires_at, outcome, created_at, updated_at';

/** {@link DeviceRegistry} on SQL; rows are mapped here and never leave the adapter. */
class SqlDeviceRegistry implements DeviceRegistry {
  constructor(private readonly sql: SqlSession) {}

  async find(deviceId: string): Promise<DeviceRecord | undefined> {
    const rows = await this.sql.all(`SELECT ${DEVICE_COLUMNS} FROM bridge_devices WHERE device_id = ?`, [deviceId]);
    return rows[0] && toDevice(rows[0]);
  }

  async save(record: DeviceRecord): Promise<void> {
    await this.sql.run(
      `INSERT INTO bridge_devices (${DEVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET public_jwks = excluded.public_jwks, status = excluded.status,
         created_at = excluded.created_at, updated_at = excluded.updated_at`,
      [record.deviceId, JSON.stringify(record.publicJwks), record.status, record.createdAt, record.updatedAt],
    );
  }

  async setStatus(deviceId: string, status: DeviceStatus, at: number): Promise<boolean> {
    const changed = await this.sql.run(`UPDATE bridge_devices SET status = ?, updated_at = ? WHERE device_id = ?`, [
      status,
      at,
      deviceId,
    ]);
    return changed > 0;
  }

  async list(query: DeviceListQuery = {}): Promise<DeviceRecord[]> {
    const where = new Conditions().ifSet(query.status, 'status = ?').ifSet(query.after, 'device_id > ?');
    const rows = await this.sql.all(
      `SELECT ${DEVICE_COLUMNS} FROM bridge_devices${where.clause()} ORDER BY device_id LIMIT ?`,
      [...where.params, Math.min(Math.max(query.limit ?? 100, 1), MAX_DEVICE_PAGE)],
    );
    return rows.map(toDevice);
  }
}

/** {@link RelayLedger} on SQL: every transition is one conditional statement. */
class SqlRelayLedger implements RelayLedger {
  constructor(private readonly sql: SqlSession) {}

  async claim(record: NewRelayRecord): Promise<RelayClaim> {
    // DO NOTHING without a target covers both the key and the unique token hash.
    const inserted = await this.sql.run(
      `INSERT INTO bridge_relays (device_id, request_id, kind, fingerprint, state, notification_token_hash,
         created_at, updated_at)
       VALUES (?, ?, ?, ?, 'relayed', ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        record.deviceId,
        record.requestId,
        record.kind,
        record.fingerprint,
        record.notificationTokenHash,
        record.createdAt,
        record.createdAt,
      ],
    );
    if (inserted > 0) {
      return {
        outcome: 'created',
        record: {
          deviceId: record.deviceId,
          requestId: record.requestId,
          kind: record.kind,
          fingerprint: record.fingerprint,
          state: 'relayed',
          ...(record.notificationTokenHash === undefined
            ? {}
            : { notificationTokenHash: record.notificationTokenHash }),
          createdAt: record.createdAt,
          updatedAt: record.createdAt,
        },
      };
    }
    const existing = await this.find(record.deviceId, record.requestId);
    return existing ? { outcome: 'exists', record: existing } : { outcome: 'token_in_use' };
  }

  async find(deviceId: string, requestId: string): Promise<RelayRecord | undefined> {
    const rows = await this.sql.all(
      `SELECT ${RELAY_COLUMNS} FROM bridge_relays WHERE device_id = ? AND request_id = ?`,
      [deviceId, requestId],
    );
    return rows[0] && toRelay(rows[0]);
  }

  async findByNotificationTokenHash(hash: string): Promise<RelayRecord | undefined> {
    const rows = await this.sql.all(`SELECT ${RELAY_COLUMNS} FROM bridge_relays WHERE notification_token_hash = ?`, [
      hash,
    ]);
    return rows[0] && toRelay(rows[0]);
  }

  async acknowledge(
    deviceId: string,
    requestId: string,
    ack: { authReqId: string; authExpiresAt: number },
    at: number,
  ): Promise<RelayRecord | undefined> {
    const rows = await this.sql.all(
      `UPDATE bridge_relays SET auth_req_id = COALESCE(auth_req_id, ?), auth_expires_at = COALESCE(auth_expires_at, ?),
         state = CASE WHEN state = 'relayed' THEN 'acknowledged' ELSE state END, updated_at = ?
       WHERE device_id = ? AND request_id = ? RETURNING ${RELAY_COLUMNS}`,
      [ack.authReqId, ack.authExpiresAt, at, deviceId, requestId],
    );
    return rows[0] && toRelay(rows[0]);
  }

  async storeOutcome(
    deviceId: string,
    requestId: string,
    outcome: RelayOutcome,
    at: number,
    authReqId?: string,
  ): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE bridge_relays SET state = 'result_ready', outcome = ?, auth_req_id = COALESCE(auth_req_id, ?),
         updated_at = ?
       WHERE device_id = ? AND request_id = ? AND state IN ('relayed', 'acknowledged')`,
      [JSON.stringify(outcome), authReqId ?? null, at, deviceId, requestId],
    );
    return changed > 0;
  }

  async markDelivered(deviceId: string, requestId: string, at: number): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE bridge_relays SET state = 'delivered', updated_at = ?
       WHERE device_id = ? AND request_id = ? AND state = 'result_ready'`,
      [at, deviceId, requestId],
    );
    return changed > 0;
  }

  async cancel(deviceId: string, requestId: string, at: number): Promise<RelayRecord | undefined> {
    await this.sql.run(
      `UPDATE bridge_relays SET state = 'cancelled', updated_at = ?
       WHERE device_id = ? AND request_id = ? AND state IN ('relayed', 'acknowledged', 'result_ready')`,
      [at, deviceId, requestId],
    );
    return this.find(deviceId, requestId);
  }

  async release(deviceId: string, requestId: string): Promise<void> {
    await this.sql.run(`DELETE FROM bridge_relays WHERE device_id = ? AND request_id = ? AND state = 'relayed'`, [
      deviceId,
      requestId,
    ]);
  }

  async undelivered(deviceId: string): Promise<RelayRecord[]> {
    const rows = await this.sql.all(
      `SELECT ${RELAY_COLUMNS} FROM bridge_relays WHERE device_id = ? AND state = 'result_ready'
       ORDER BY updated_at, request_id`,
      [deviceId],
    );
    return rows.map(toRelay);
  }

  async purge(before: number): Promise<number> {
    return this.sql.run(`DELETE FROM bridge_relays WHERE updated_at < ?`, [before]);
  }
}

/** A {@link BridgeStore} over an open SQL session. */
export function createSqlBridgeStore(sql: SqlSession, limits: LimitStore, close: () => Promise<void>): BridgeStore {
  return { devices: new SqlDeviceRegistry(sql), relays: new SqlRelayLedger(sql), limits, close };
}

function toDevice(row: Row): DeviceRecord {
  return {
    deviceId: String(row.device_id),
    publicJwks: JSON.parse(String(row.public_jwks)) as DeviceRecord['publicJwks'],
    status: String(row.status) as DeviceStatus,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toRelay(row: Row): RelayRecord {
  const record: RelayRecord = {
    deviceId: String(row.device_id),
    requestId: String(row.request_id),
    kind: String(row.kind) as RelayRecord['kind'],
    fingerprint: String(row.fingerprint),
    state: String(row.state) as RelayRecord['state'],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  if (row.notification_token_hash != null) record.notificationTokenHash = String(row.notification_token_hash);
  if (row.auth_req_id != null) record.authReqId = String(row.auth_req_id);
  if (row.auth_expires_at != null) record.authExpiresAt = Number(row.auth_expires_at);
  if (row.outcome != null) record.outcome = JSON.parse(String(row.outcome)) as RelayOutcome;
  return record;
}
