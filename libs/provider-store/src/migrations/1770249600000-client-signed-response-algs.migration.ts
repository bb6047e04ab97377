import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OIDC Registration §2 signed-response metadata of a client (domain `Client`):
 * `id_token_signed_response_alg` and `userinfo_signed_response_alg`. Existing clients keep
 * NULL: their ID tokens are signed with the default, RS256 (PS256 for FAPI clients), and
 * their UserInfo answers stay JSON.
 */
export class ClientSignedResponseAlgs1770249600000 implements MigrationInterface {
  name = 'ClientSignedResponseAlgs1770249600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT`);
    await queryRunner.query(`ALTER TABLE clients ADD COLUMN userinfo_signed_response_alg TEXT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE clients DROP COLUMN userinfo_signed_response_alg`);
    await queryRunner.query(`ALTER TABLE clients DROP COLUMN id_token_signed_response_alg`);
  }
}
