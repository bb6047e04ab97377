// Public API of @onboard/bridge-store: the bridge's store (bridge-core's BridgeStore port:
// device registry, relay ledger, limit counters) on SQLite or PostgreSQL, with its migrations.
// The contract suite is in the testing entry point (`@onboard/bridge-store/testing`).
export { openBridgeStores, DEFAULT_BRIDGE_DATABASE_URL, type OpenBridgeStoresOptions } from './open-bridge-stores';
export { BRIDGE_MIGRATIONS } from './migrations/1768608000000-bridge-schema.migration';
