import { openStores } from './open-stores';
import { runStoreContract } from './testing';
import { describePostgres, dropPostgresSchema, postgresTestSchemaName } from '@onboard/sql-kit/testing';

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
