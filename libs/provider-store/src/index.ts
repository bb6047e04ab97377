// Public API of @onboard/provider-store: the provider's stores (ciba-core's store ports) on
// SQLite or PostgreSQL, their entities and migrations. Entities and SQL stay inside this lib;
// the store contract suite is in the testing entry point (`@onboard/provider-store/testing`).
export { openStores, type OpenStoresOptions } from './open-stores';
export { ALL_MIGRATIONS } from './migrations/all-migrations';
