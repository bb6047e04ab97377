import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Device clients (issue 3):
 * - `clients.token_response_encryption_alg` / `_enc`: the Onboard extension metadata
 *   under which token responses are sent as one compact JWE (domain `Client`);
 * - `auth_requests.dpop_jkt`: the DPoP key thumbprint the request's tokens are bound to
 *   (domain `AuthRequest.dpopJkt`);
 * - an index on `refresh_tokens.client_id`: disabling a client revokes its refresh tokens.
 * Existing rows keep NULL (fields absent).
 */
export class DeviceClients1768435200000 implements MigrationInterface {
  name = 'DeviceClients1768435200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN token_response_encryption_alg TEXT`);
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN token_response_encryption_enc TEXT`);
    await queryRunner.query(`ALTER TABLE auth_requests ADD COLUMN dpop_jkt TEXT`);
    await queryRunner.query(`CREATE INDEX idx_refresh_tokens_client_id ON refresh_tokens (client_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_refresh_tokens_client_id`);
    await queryRunner.query(`ALTER TABLE auth_requests DROP COLUMN dpop_jkt`);
    await queryRunner.query(`ALTER TABLE clients DROP COLUMN token_response_encryption_enc`);
    await queryRunner.query(`ALTER TABLE clients DROP COLUMN token_response_encryption_alg`);
  }
}
