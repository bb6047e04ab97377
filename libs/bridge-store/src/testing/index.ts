// Testing entry point of @onboard/bridge-store (`@onboard/bridge-store/testing`): the one
// contract suite every BridgeStore passes (in memory, SQLite, PostgreSQL). Imported only by specs.
export * from './bridge-store-contract';
