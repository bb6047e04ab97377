import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from '@onboard/sql-kit';

/**
 * The bridge's own tables (a separate database from the provider's, by default
 * `sqlite:./data/bridge.sqlite`): the device registry and the request ledger.
 * Device ids sort bytewise in both dialects (`COLLATE "C"` in PostgreSQL) so that keyset
 * pagination agrees with the in-memory store.
 */
export class BridgeSchema1768608000000 implements MigrationInterface {
  name = 'BridgeSchema1768608000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { big } = columnTypes(queryRunner);
    const id = queryRunner.connection.driver.options.type === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
    await queryRunner.query(`CREATE TABLE bridge_devices (
      device_id ${id} PRIMARY KEY,
      public_jwks TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at ${big} NOT NULL,
      updated_at ${big} NOT NULL
    )`);
    await queryRunner.query(`CREATE INDEX bridge_devices_status ON bridge_devices (status, device_id)`);
    await queryRunner.query(`CREATE TABLE bridge_relays (
      device_id ${id} NOT NULL,
      request_id ${id} NOT NULL,
      kind TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      state TEXT NOT NULL,
      notification_token_hash TEXT,
      auth_req_id TEXT,
      auth_expires_at ${big},
      outcome TEXT,
      created_at ${big} NOT NULL,
      updated_at ${big} NOT NULL,
      PRIMARY KEY (device_id, request_id)
    )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX bridge_relays_notification_token ON bridge_relays (notification_token_hash)`,
    );
    await queryRunner.query(`CREATE INDEX bridge_relays_device_state ON bridge_relays (device_id, state, updated_at)`);
    await queryRunner.query(`CREATE INDEX bridge_relays_updated_at ON bridge_relays (updated_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE bridge_relays`);
    await queryRunner.query(`DROP TABLE bridge_devices`);
  }
}

/**
 * `bridge_rate_limits`: counters of the bridge's failed-authentication limits on PostgreSQL
 * (rate-limiter-flexible's table shape; its own name, since the bridge may share a database
 * with the provider). On SQLite they live in a file beside the database instead.
 */
export class BridgeRateLimits1770422400002 implements MigrationInterface {
  name = 'BridgeRateLimits1770422400002';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(
      `CREATE TABLE bridge_rate_limits (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`,
    );
    await queryRunner.query(`CREATE INDEX idx_bridge_rate_limits_expire ON bridge_rate_limits (expire)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`DROP TABLE bridge_rate_limits`);
  }
}

/** Every migration of the bridge's database, oldest first. */
export const BRIDGE_MIGRATIONS = [BridgeSchema1768608000000, BridgeRateLimits1770422400002];
