import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every audit append reads the chain's last hash (`SELECT hash FROM audit_events ORDER BY seq
 * DESC LIMIT 1`, under the chain's advisory lock). On PostgreSQL `seq` is an identity column
 * beside the `id` primary key with no index of its own, so that read sorted the whole table:
 * with a million events, three such scans per flow, one at a time behind the lock (the growth
 * benchmark, docs/benchmarks.md). A unique index on `seq` makes it one index entry. On SQLite
 * `seq` is the rowid, read from the table's own b-tree already: nothing to add there.
 */
export class AuditEventSequenceIndex1770940800001 implements MigrationInterface {
  name = 'AuditEventSequenceIndex1770940800001';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner))
      await queryRunner.query(`CREATE UNIQUE INDEX uq_audit_events_seq ON audit_events (seq)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isPostgres(queryRunner)) await queryRunner.query(`DROP INDEX uq_audit_events_seq`);
  }
}

function isPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.driver.options.type === 'postgres';
}
