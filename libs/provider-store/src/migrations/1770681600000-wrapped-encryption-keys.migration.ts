import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnTypes } from '@onboard/sql-kit';

/**
 * The provider's request-object encryption keys are wrapped under the key-encryption key at
 * rest, as the signing keys are (WrappedSigningKeys1770249600001): a `wrapped_private_key`
 * column, and `private_jwk` may be NULL. Existing rows keep their clear key; the provider
 * wraps them and empties `private_jwk` on its next start (a migration holds no KEK). SQLite
 * cannot drop a NOT NULL constraint, so it rebuilds the (small) table.
 */
export class WrappedEncryptionKeys1770681600000 implements MigrationInterface {
  name = 'WrappedEncryptionKeys1770681600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query(`ALTER TABLE encryption_keys ADD COLUMN wrapped_private_key TEXT`);
      await queryRunner.query(`ALTER TABLE encryption_keys ALTER COLUMN private_jwk DROP NOT NULL`);
      return;
    }
    await rebuildEncryptionKeys(queryRunner, 'private_jwk TEXT,\n        wrapped_private_key TEXT,');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Going back to clear keys would need the KEK, which a migration does not hold.
    const wrapped = (await queryRunner.query(`SELECT kid FROM encryption_keys WHERE private_jwk IS NULL`)) as {
      kid: string;
    }[];
    if (wrapped.length > 0) {
      throw new Error(
        `encryption_keys holds ${wrapped.length} wrapped key(s); the previous schema can only hold keys in clear, ` +
          'so they would be lost: delete those rows first if that is intended',
      );
    }
    if (isPostgres(queryRunner)) {
      await queryRunner.query(`ALTER TABLE encryption_keys ALTER COLUMN private_jwk SET NOT NULL`);
      await queryRunner.query(`ALTER TABLE encryption_keys DROP COLUMN wrapped_private_key`);
      return;
    }
    await rebuildEncryptionKeys(queryRunner, 'private_jwk TEXT NOT NULL,');
  }
}

function isPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.driver.options.type === 'postgres';
}

/** SQLite table rebuild of `encryption_keys` with the given private-key columns; the rows are copied. */
async function rebuildEncryptionKeys(queryRunner: QueryRunner, privateColumns: string): Promise<void> {
  const { big } = columnTypes(queryRunner);
  const copied = 'kid, alg, private_jwk, public_jwk, status, created_at, expires_at';
  const statements = [
    `CREATE TABLE encryption_keys_next (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        ${privateColumns}
        public_jwk TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at ${big} NOT NULL,
        expires_at ${big}
      )`,
    `INSERT INTO encryption_keys_next (${copied}) SELECT ${copied} FROM encryption_keys`,
    `DROP TABLE encryption_keys`,
    `ALTER TABLE encryption_keys_next RENAME TO encryption_keys`,
  ];
  for (const sql of statements) await queryRunner.query(sql);
}
