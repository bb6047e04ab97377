import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer b-trees written per CIBA flow.
 *
 * `audit_events` (SQLite only): the table is append-only (nothing updates or deletes
 * its rows) and nothing looks an event up by `id`, so the rebuilt table keeps `seq` as a
 * plain `INTEGER PRIMARY KEY` and `id` without a unique index. A plain rowid is assigned
 * as the largest one so far plus one: with no deletions it increases exactly as
 * AUTOINCREMENT did, without the `sqlite_sequence` row that AUTOINCREMENT rewrites on
 * every insert. Ids stay unique by construction (UUIDv7 from a CSPRNG), as in the
 * in-memory store, which does not check them either. Existing rows keep their `seq`, so
 * `ORDER BY at, seq` lists them as before. Each append now writes the table and its three
 * query indexes instead of also the `id` index and `sqlite_sequence`. PostgreSQL keeps
 * its audit schema (`id` primary key, `seq` identity column): its primary key index is
 * the table's only unique one, and an identity column keeps no per-insert row.
 *
 * `outbox` (SQLite and PostgreSQL): `due` only ever looks for pending messages, so its
 * index holds pending rows alone (a partial index), as the auth-request indexes of
 * AuthRequestPendingIndexes1769040000000 do: a delivered or failed message leaves it
 * once instead of moving within a `(status, next_attempt_at)` index, and the index stays
 * as small as the backlog.
 */
export class AppendOnlyAuditPendingOutbox1769644800000 implements MigrationInterface {
  name = 'AppendOnlyAuditPendingOutbox1769644800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!isPostgres(queryRunner)) {
      await rebuildAuditEvents(queryRunner, 'seq INTEGER PRIMARY KEY,\n        id TEXT NOT NULL');
    }
    await queryRunner.query(
      `CREATE INDEX idx_outbox_pending_next_attempt_at ON outbox (next_attempt_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(`DROP INDEX idx_outbox_status_next_attempt_at`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX idx_outbox_status_next_attempt_at ON outbox (status, next_attempt_at)`);
    await queryRunner.query(`DROP INDEX idx_outbox_pending_next_attempt_at`);
    if (!isPostgres(queryRunner)) {
      // AUTOINCREMENT records the largest `seq` copied in, so later events still follow.
      await rebuildAuditEvents(queryRunner, 'seq INTEGER PRIMARY KEY AUTOINCREMENT,\n        id TEXT NOT NULL UNIQUE');
    }
  }
}

function isPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.driver.options.type === 'postgres';
}

/** SQLite table rebuild of `audit_events` with the given key columns; rows keep their `seq`. */
async function rebuildAuditEvents(queryRunner: QueryRunner, keyColumns: string): Promise<void> {
  const columns = 'seq, id, at, type, client_id, sub, auth_request_id, data';
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
    `INSERT INTO audit_events_next (${columns}) SELECT ${columns} FROM audit_events ORDER BY seq`,
    `DROP TABLE audit_events`,
    `ALTER TABLE audit_events_next RENAME TO audit_events`,
    `CREATE INDEX idx_audit_events_at_seq ON audit_events (at, seq)`,
    `CREATE INDEX idx_audit_events_sub ON audit_events (sub)`,
    `CREATE INDEX idx_audit_events_auth_request_id ON audit_events (auth_request_id)`,
  ];
  for (const sql of statements) await queryRunner.query(sql);
}
