import type { QueryRunner } from 'typeorm';

/**
 * Dialect-specific column type names for hand-written migrations. Epoch-ms times are
 * BIGINT in PostgreSQL (INTEGER is 64-bit in SQLite already); booleans are BOOLEAN in
 * PostgreSQL and 0/1 INTEGER in SQLite. Everything else (TEXT, INTEGER) is shared.
 */
export function columnTypes(queryRunner: QueryRunner): { big: string; bool: string } {
  return queryRunner.connection.driver.options.type === 'postgres'
    ? { big: 'BIGINT', bool: 'BOOLEAN' }
    : { big: 'INTEGER', bool: 'INTEGER' };
}
