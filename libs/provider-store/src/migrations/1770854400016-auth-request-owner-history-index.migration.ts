import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The owner app's history (`pageHistoryForOwner`): an owner's requests newest first,
 * `(sub, created_at, id)`, so a page reads the owner's rows in order from the index instead
 * of scanning the table. It is written once per request, at its creation (`sub`,
 * `created_at` and `id` never change), so answering and polling touch it not at all.
 */
export class AuthRequestOwnerHistoryIndex1770854400016 implements MigrationInterface {
  name = 'AuthRequestOwnerHistoryIndex1770854400016';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX idx_auth_requests_owner_history ON auth_requests (sub, created_at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_auth_requests_owner_history`);
  }
}
