import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from '@onboard/sql-kit';

/**
 * The provider's encryption keys: clients encrypt signed request objects to them (RFC 9101 §6.1,
 * a nested JWT), so a relay in between reads no login hint. A table of their own, apart from
 * `signing_keys`: an encryption key never signs and rotates on its own schedule.
 */
export class EncryptionKeys1770595200001 implements MigrationInterface {
  name = 'EncryptionKeys1770595200001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { big } = columnTypes(queryRunner);
    await queryRunner.query(
      `CREATE TABLE encryption_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        private_jwk TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at ${big} NOT NULL,
        expires_at ${big}
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE encryption_keys`);
  }
}
