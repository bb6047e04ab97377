import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from '@onboard/sql-kit';

/**
 * The initial schema, one script for SQLite and PostgreSQL: only the names of the
 * 64-bit integer and boolean types differ (see column-types.ts). Times are epoch ms.
 */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { big, bool } = columnTypes(queryRunner);
    const statements = [
      `CREATE TABLE clients (
        client_id TEXT PRIMARY KEY,
        client_secret_hash TEXT,
        client_name TEXT,
        token_endpoint_auth_method TEXT NOT NULL,
        token_endpoint_auth_signing_alg TEXT,
        jwks TEXT,
        jwks_uri TEXT,
        grant_types TEXT NOT NULL,
        scope TEXT,
        backchannel_token_delivery_mode TEXT NOT NULL,
        backchannel_client_notification_endpoint TEXT,
        backchannel_authentication_request_signing_alg TEXT,
        backchannel_user_code_parameter ${bool} NOT NULL,
        dpop_bound_access_tokens ${bool} NOT NULL,
        fapi_ciba ${bool} NOT NULL,
        metadata TEXT NOT NULL,
        disabled ${bool} NOT NULL,
        created_at ${big} NOT NULL
      )`,
      `CREATE TABLE owners (
        sub TEXT PRIMARY KEY,
        username TEXT,
        email TEXT,
        phone_number TEXT,
        name TEXT,
        user_code_hash TEXT,
        disabled ${bool} NOT NULL,
        created_at ${big} NOT NULL
      )`,
      // login_hint lookups (CIBA §7.1): by email (case-insensitive), username, phone number.
      `CREATE INDEX idx_owners_email_lower ON owners (lower(email))`,
      `CREATE INDEX idx_owners_username ON owners (username)`,
      `CREATE INDEX idx_owners_phone_number ON owners (phone_number)`,
      `CREATE TABLE owner_devices (
        id TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        name TEXT,
        credential_hash TEXT NOT NULL,
        created_at ${big} NOT NULL,
        disabled ${bool} NOT NULL
      )`,
      `CREATE UNIQUE INDEX uq_owner_devices_credential_hash ON owner_devices (credential_hash)`,
      `CREATE INDEX idx_owner_devices_sub ON owner_devices (sub, created_at)`,
      `CREATE TABLE auth_requests (
        id TEXT PRIMARY KEY,
        auth_req_id_hash TEXT NOT NULL,
        client_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        scope TEXT NOT NULL,
        acr_values TEXT,
        binding_message TEXT,
        authorization_details TEXT,
        delivery_mode TEXT NOT NULL,
        client_notification_token TEXT,
        delivery_auth_req_id TEXT,
        request_object_hash TEXT,
        status TEXT NOT NULL,
        created_at ${big} NOT NULL,
        expires_at ${big} NOT NULL,
        "interval" INTEGER NOT NULL,
        last_polled_at ${big},
        auth_time ${big},
        acr TEXT,
        amr TEXT,
        approved_by TEXT,
        consumed_at ${big}
      )`,
      `CREATE UNIQUE INDEX uq_auth_requests_auth_req_id_hash ON auth_requests (auth_req_id_hash)`,
      // The owner's pending list (owner-device API).
      `CREATE INDEX idx_auth_requests_owner_pending ON auth_requests (sub, status, expires_at)`,
      // Expiry notifications for ping/push (CIBA §10.2, §10.3).
      `CREATE INDEX idx_auth_requests_status_expires ON auth_requests (status, expires_at)`,
      // Expiry sweeps.
      `CREATE INDEX idx_auth_requests_expires_at ON auth_requests (expires_at)`,
      `CREATE TABLE replay (
        "key" TEXT PRIMARY KEY,
        expires_at ${big} NOT NULL
      )`,
      `CREATE INDEX idx_replay_expires_at ON replay (expires_at)`,
      `CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        sub TEXT NOT NULL,
        scope TEXT NOT NULL,
        auth_time ${big} NOT NULL,
        acr TEXT,
        amr TEXT,
        authorization_details TEXT,
        jkt TEXT,
        created_at ${big} NOT NULL,
        expires_at ${big} NOT NULL,
        used_at ${big},
        revoked ${bool} NOT NULL
      )`,
      `CREATE INDEX idx_refresh_tokens_family_id ON refresh_tokens (family_id)`,
      `CREATE INDEX idx_refresh_tokens_expires_at ON refresh_tokens (expires_at)`,
      `CREATE TABLE revoked_tokens (
        jti TEXT PRIMARY KEY,
        expires_at ${big} NOT NULL
      )`,
      `CREATE INDEX idx_revoked_tokens_expires_at ON revoked_tokens (expires_at)`,
      `CREATE TABLE revoked_families (
        family_id TEXT PRIMARY KEY,
        expires_at ${big} NOT NULL
      )`,
      `CREATE INDEX idx_revoked_families_expires_at ON revoked_families (expires_at)`,
      `CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at ${big} NOT NULL,
        expires_at ${big}
      )`,
      `CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        auth_request_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        url TEXT NOT NULL,
        bearer TEXT NOT NULL,
        body TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at ${big} NOT NULL,
        status TEXT NOT NULL,
        last_error TEXT,
        created_at ${big} NOT NULL
      )`,
      `CREATE INDEX idx_outbox_status_next_attempt_at ON outbox (status, next_attempt_at)`,
      `CREATE TABLE audit_events (
        id TEXT PRIMARY KEY,
        at ${big} NOT NULL,
        type TEXT NOT NULL,
        client_id TEXT,
        sub TEXT,
        auth_request_id TEXT,
        data TEXT
      )`,
      `CREATE INDEX idx_audit_events_at ON audit_events (at)`,
      `CREATE INDEX idx_audit_events_sub ON audit_events (sub)`,
      `CREATE INDEX idx_audit_events_auth_request_id ON audit_events (auth_request_id)`,
    ];
    for (const sql of statements) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'audit_events',
      'outbox',
      'signing_keys',
      'revoked_families',
      'revoked_tokens',
      'refresh_tokens',
      'replay',
      'auth_requests',
      'owner_devices',
      'owners',
      'clients',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
