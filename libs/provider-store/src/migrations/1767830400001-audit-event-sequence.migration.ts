import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `audit_events.seq`: a database-assigned, increasing insertion number, so that
 * `audit.list` orders events with the same `at` by insertion (`ORDER BY at, seq`).
 * Existing rows are numbered in their former list order (`at`, then `id`).
 *
 * PostgreSQL: a BIGINT identity column next to the `id` primary key.
 * SQLite cannot add such a column in place, so the table is rebuilt with
 * `seq INTEGER PRIMARY KEY AUTOINCREMENT` (the rowid: never reused) and `id` kept unique.
 */
export class AuditEventSequence1767830400001 implements MigrationInterface {
  name = 'AuditEventSequence1767830400001';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query(`ALTER TABLE audit_events ADD COLUMN seq BIGINT`);
      await queryRunner.query(
        `UPDATE audit_events SET seq = numbered.n
         FROM (SELECT id, row_number() OVER (ORDER BY at, id) AS n FROM audit_events) AS numbered
         WHERE audit_events.id = numbered.id`,
      );
      await queryRunner.query(`ALTER TABLE audit_events ALTER COLUMN seq SET NOT NULL`);
      const [{ next }] = await queryRunner.query(`SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM audit_events`);
      await queryRunner.query(
        `ALTER TABLE audit_events ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (START WITH ${Number(next)})`,
      );
      await queryRunner.query(`DROP INDEX idx_audit_events_at`);
      await queryRunner.query(`CREATE INDEX idx_audit_events_at_seq ON audit_events (at, seq)`);
      return;
    }
    await rebuildSqlite(queryRunner, 'seq INTEGER PRIMARY KEY AUTOINCREMENT,\n        id TEXT NOT NULL UNIQUE', [
      `CREATE INDEX idx_audit_events_at_seq ON audit_events (at, seq)`,
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) {
      await queryRunner.query(`DROP INDEX idx_audit_events_at_seq`);
      await queryRunner.query(`ALTER TABLE audit_events DROP COLUMN seq`);
      await queryRunner.query(`CREATE INDEX idx_audit_events_at ON audit_events (at)`);
      return;
    }
    await rebuildSqlite(queryRunner, 'id TEXT PRIMARY KEY', [`CREATE INDEX idx_audit_events_at ON audit_events (at)`]);
  }
}

function isPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.driver.options.type === 'postgres';
}

/** SQLite table rebuild: copy the rows, oldest first, into a table with the given key columns. */
async function rebuildSqlite(queryRunner: QueryRunner, keyColumns: string, timeIndexes: string[]): Promise<void> {
  const columns = 'id, at, type, client_id, sub, auth_request_id, data';
  const statements = [
    `CREATE TABLE audit_events_next (
        ${keyColumns},
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        client_id TEXT,
        sub TEXT,
        auth_request_id TEXT,
        data TEXT
      )`,
    `INSERT INTO audit_events_next (${columns}) SELECT ${columns} FROM audit_events ORDER BY at, id`,
    `DROP TABLE audit_events`,
    `ALTER TABLE audit_events_next RENAME TO audit_events`,
    ...timeIndexes,
    `CREATE INDEX idx_audit_events_sub ON audit_events (sub)`,
    `CREATE INDEX idx_audit_events_auth_request_id ON audit_events (auth_request_id)`,
  ];
  for (const sql of statements) await queryRunner.query(sql);
}
