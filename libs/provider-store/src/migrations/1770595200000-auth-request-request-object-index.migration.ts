import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finds an auth request by its client and signed request object: a repeat of the very same
 * request object (a relay that lost the provider's answer and retries) is answered with the
 * request it created instead of being refused as a `jti` replay. Partial: only signed requests
 * have a request-object hash.
 */
export class AuthRequestRequestObjectIndex1770595200000 implements MigrationInterface {
  name = 'AuthRequestRequestObjectIndex1770595200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX idx_auth_requests_request_object ON auth_requests (client_id, request_object_hash) WHERE request_object_hash IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_auth_requests_request_object`);
  }
}
