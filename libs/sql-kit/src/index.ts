// Public API of @onboard/sql-kit: hand-written SQL over TypeORM's data source and migrations,
// shared by the provider's and the bridge's stores. No store of its own.

// --- opening a database ---
export { parseDatabaseUrl, describeDatabase, type DatabaseTarget } from './database-url';
export {
  openDataSource,
  DatabaseNotFound,
  StoreLogger,
  PRIVATE_DIRECTORY_MODE,
  PRIVATE_FILE_MODE,
  type DataSourceSpec,
} from './open-data-source';
export { DatabaseOpenError } from './database-open-error';

// --- running SQL: sessions (transactions, group commit), conditions, row mapping ---
export * from './sql-session';
export * from './conditions';
export * from './table-mapper';
export * from './column-types';

// --- SQLite upkeep and the limit counters ---
export * from './wal-checkpointer';
export * from './limit-stores';
