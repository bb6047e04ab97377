import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pending-only indexes on `auth_requests`. The owner's list (`sub`, pending, not yet
 * expired) and the expiry sweep (pending, expired) only ever look for pending requests,
 * so their indexes hold pending rows alone (partial indexes, SQLite and PostgreSQL
 * alike): a request leaves them once, when the owner answers, and its later changes
 * (consumed, polled) touch no index at all. Each status change used to rewrite an entry
 * in two `(…, status, …)` indexes; fewer index pages are written per CIBA flow.
 */
export class AuthRequestPendingIndexes1769040000000 implements MigrationInterface {
  name = 'AuthRequestPendingIndexes1769040000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX idx_auth_requests_pending_owner ON auth_requests (sub, expires_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX idx_auth_requests_pending_expiry ON auth_requests (expires_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(`DROP INDEX idx_auth_requests_owner_pending`);
    await queryRunner.query(`DROP INDEX idx_auth_requests_status_expires`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX idx_auth_requests_owner_pending ON auth_requests (sub, status, expires_at)`);
    await queryRunner.query(`CREATE INDEX idx_auth_requests_status_expires ON auth_requests (status, expires_at)`);
    await queryRunner.query(`DROP INDEX idx_auth_requests_pending_owner`);
    await queryRunner.query(`DROP INDEX idx_auth_requests_pending_expiry`);
  }
}
