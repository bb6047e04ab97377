import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from '@onboard/sql-kit';

/**
 * What disabling an owner and replaying an auth_req_id need:
 * - `owners.disabled_at`: when the owner was last disabled (`Owner.disabledAt`), a
 *   watermark that outlives re-enabling: grants approved before it stay dead.
 * - `refresh_tokens.sub` indexed (`idx_refresh_tokens_sub`): an owner's refresh tokens
 *   are revoked in one statement when the owner is disabled.
 * - `auth_requests.grant_id`: the grant family issued from a consumed request
 *   (`AuthRequest.grantId`), revoked when its auth_req_id is replayed.
 * Existing rows keep NULL (fields absent): owners disabled before this migration have no
 * watermark, and their refresh tokens are revoked only on their next disable; their
 * access tokens and refresh grants are refused while they stay disabled either way.
 */
export class OwnerTokenWatermarks1770336000000 implements MigrationInterface {
  name = 'OwnerTokenWatermarks1770336000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { big } = columnTypes(queryRunner);
    await queryRunner.query(`ALTER TABLE owners ADD COLUMN disabled_at ${big}`);
    await queryRunner.query(`ALTER TABLE auth_requests ADD COLUMN grant_id TEXT`);
    await queryRunner.query(`CREATE INDEX idx_refresh_tokens_sub ON refresh_tokens (sub)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_refresh_tokens_sub`);
    await queryRunner.query(`ALTER TABLE auth_requests DROP COLUMN grant_id`);
    await queryRunner.query(`ALTER TABLE owners DROP COLUMN disabled_at`);
  }
}
