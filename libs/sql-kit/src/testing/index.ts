// Testing entry point of @onboard/sql-kit (`@onboard/sql-kit/testing`): imported only by specs.
export * from './postgres-test';
