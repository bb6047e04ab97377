// Public API of @onboard/store-typeorm: TypeORM-backed stores (SQLite, PostgreSQL)
// and the store contract suite. Entities and SQL stay inside this lib.
export {
  openStores,
  parseDatabaseUrl,
  describeDatabase,
  DatabaseNotFound,
  PRIVATE_DIRECTORY_MODE,
  PRIVATE_FILE_MODE,
  type OpenStoresOptions,
  type DatabaseTarget,
} from './open-stores';
export { DatabaseOpenError } from './database-open-error';
export { runStoreContract, type StoreContractOptions } from './store-contract';
export {
  postgresTestTarget,
  describePostgres,
  postgresTestSchemaName,
  dropPostgresSchema,
  DEFAULT_TEST_DATABASE_URL,
  type PostgresTestTarget,
} from './testing/postgres-test';
export {
  openBridgeStores,
  DEFAULT_BRIDGE_DATABASE_URL,
  type OpenBridgeStoresOptions,
} from './bridge/open-bridge-stores';
export { runBridgeStoreContract } from './bridge/bridge-store-contract';
