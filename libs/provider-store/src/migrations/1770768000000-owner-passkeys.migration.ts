import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from '@onboard/sql-kit';

/**
 * The owner app: enrolment invitations, passkeys, sessions, pending WebAuthn challenges and
 * the assertions that approved requests (their receipts' evidence). Also `denial_reason` on
 * auth requests ("this wasn't me") and the audit log's hash chain (`prev_hash`, `hash`).
 */
export class OwnerPasskeys1770768000000 implements MigrationInterface {
  name = 'OwnerPasskeys1770768000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { big } = columnTypes(queryRunner);
    const statements = [
      `CREATE TABLE owner_invitations (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        sub TEXT NOT NULL,
        created_at ${big} NOT NULL,
        expires_at ${big} NOT NULL,
        used_at ${big},
        created_by TEXT
      )`,
      `CREATE UNIQUE INDEX uq_owner_invitations_token_hash ON owner_invitations (token_hash)`,
      `CREATE INDEX idx_owner_invitations_expires_at ON owner_invitations (expires_at)`,
      `CREATE TABLE owner_passkeys (
        id TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        name TEXT NOT NULL,
        credential_id TEXT NOT NULL,
        public_key TEXT NOT NULL,
        algorithm INTEGER NOT NULL,
        counter ${big} NOT NULL,
        transports TEXT,
        created_at ${big} NOT NULL,
        last_used_at ${big},
        removed_at ${big}
      )`,
      `CREATE UNIQUE INDEX uq_owner_passkeys_credential_id ON owner_passkeys (credential_id)`,
      `CREATE INDEX idx_owner_passkeys_sub ON owner_passkeys (sub, created_at)`,
      `CREATE TABLE owner_sessions (
        token_hash TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        device_id TEXT NOT NULL,
        created_at ${big} NOT NULL,
        expires_at ${big} NOT NULL
      )`,
      `CREATE INDEX idx_owner_sessions_device_id ON owner_sessions (device_id)`,
      `CREATE INDEX idx_owner_sessions_expires_at ON owner_sessions (expires_at)`,
      `CREATE TABLE webauthn_challenges (
        id TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        challenge TEXT NOT NULL,
        sub TEXT,
        invitation_id TEXT,
        auth_request_id TEXT,
        device_id TEXT,
        commitment TEXT,
        expires_at ${big} NOT NULL
      )`,
      `CREATE INDEX idx_webauthn_challenges_expires_at ON webauthn_challenges (expires_at)`,
      `CREATE TABLE approval_assertions (
        auth_request_id TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        device_id TEXT NOT NULL,
        credential_id TEXT NOT NULL,
        public_key TEXT NOT NULL,
        algorithm INTEGER NOT NULL,
        commitment TEXT NOT NULL,
        authenticator_data TEXT NOT NULL,
        client_data_json TEXT NOT NULL,
        signature TEXT NOT NULL,
        user_handle TEXT,
        created_at ${big} NOT NULL
      )`,
      `CREATE INDEX idx_approval_assertions_created_at ON approval_assertions (created_at)`,
      `ALTER TABLE auth_requests ADD COLUMN denial_reason TEXT`,
      `ALTER TABLE audit_events ADD COLUMN prev_hash TEXT`,
      `ALTER TABLE audit_events ADD COLUMN hash TEXT`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'approval_assertions',
      'webauthn_challenges',
      'owner_sessions',
      'owner_passkeys',
      'owner_invitations',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
    // SQLite 3.35+ and PostgreSQL both drop columns.
    await queryRunner.query(`ALTER TABLE auth_requests DROP COLUMN denial_reason`);
    await queryRunner.query(`ALTER TABLE audit_events DROP COLUMN prev_hash`);
    await queryRunner.query(`ALTER TABLE audit_events DROP COLUMN hash`);
  }
}
