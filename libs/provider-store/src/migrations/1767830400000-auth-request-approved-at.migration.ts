import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from '@onboard/sql-kit';

/**
 * `auth_requests.approved_at`: when the owner approved or denied (epoch ms), the
 * domain's `AuthRequest.approvedAt`. Existing rows keep NULL (field absent).
 */
export class AuthRequestApprovedAt1767830400000 implements MigrationInterface {
  name = 'AuthRequestApprovedAt1767830400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { big } = columnTypes(queryRunner);
    await queryRunner.query(`ALTER TABLE auth_requests ADD COLUMN approved_at ${big}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE auth_requests DROP COLUMN approved_at`);
  }
}
