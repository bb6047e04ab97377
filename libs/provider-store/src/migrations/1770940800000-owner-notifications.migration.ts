import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from '@onboard/sql-kit';

/**
 * Owner notifications (docs/notifications.md): the outbox carries a `kind` (rows from before
 * are CIBA client notifications), the provider's VAPID key (wrapped under the KEK) and the
 * owner devices' Web Push subscriptions, one per endpoint.
 */
export class OwnerNotifications1770940800000 implements MigrationInterface {
  name = 'OwnerNotifications1770940800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { big } = columnTypes(queryRunner);
    const statements = [
      `ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'client_notification'`,
      `CREATE TABLE vapid_keys (
        kid TEXT PRIMARY KEY,
        public_key TEXT NOT NULL,
        wrapped_private_key TEXT,
        created_at ${big} NOT NULL
      )`,
      `CREATE TABLE push_subscriptions (
        id TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        device_id TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        created_at ${big} NOT NULL
      )`,
      `CREATE UNIQUE INDEX uq_push_subscriptions_endpoint ON push_subscriptions (endpoint)`,
      `CREATE INDEX idx_push_subscriptions_sub ON push_subscriptions (sub, created_at)`,
      `CREATE INDEX idx_push_subscriptions_device_id ON push_subscriptions (device_id)`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE push_subscriptions`);
    await queryRunner.query(`DROP TABLE vapid_keys`);
    await queryRunner.query(`ALTER TABLE outbox DROP COLUMN kind`);
  }
}
