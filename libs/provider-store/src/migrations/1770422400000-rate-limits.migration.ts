import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `rate_limits`: the counters of the guessing and flooding limits on PostgreSQL, shared by
 * every provider replica (rate-limiter-flexible's RateLimiterPostgres, whose table shape
 * this is: `key` = limit name and key, `points` consumed, `expire` in epoch ms). On SQLite
 * the counters live in a file of their own beside the database (see open-limit-store.ts),
 * so the provider's SQLite database gets no such table.
 */
export class RateLimits1770422400000 implements MigrationInterface {
  name = 'RateLimits1770422400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(
      `CREATE TABLE rate_limits (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`,
    );
    await queryRunner.query(`CREATE INDEX idx_rate_limits_expire ON rate_limits (expire)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`DROP TABLE rate_limits`);
  }
}
