// Testing entry point of @onboard/provider-store (`@onboard/provider-store/testing`): the one
// store contract suite every implementation of ciba-core's store ports passes (in memory,
// SQLite, PostgreSQL). Imported only by specs.
export * from './store-contract';
