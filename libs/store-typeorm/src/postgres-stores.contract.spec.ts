import { openStores } from './open-stores';
import { runStoreContract } from './store-contract';
import { describePostgres, dropPostgresSchema, postgresTestSchemaName } from './testing/postgres-test';

describePostgres('PostgreSQL stores', (url) => {
  // Each test gets its own schema, dropped when its stores close.
  runStoreContract('PostgreSQL', async () => {
    const schema = postgresTestSchemaName();
    const stores = await openStores({ databaseUrl: url, schema });
    const close = stores.close;
    stores.close = async () => {
      await close();
      await dropPostgresSchema(url, schema);
    };
    return stores;
  });
});
