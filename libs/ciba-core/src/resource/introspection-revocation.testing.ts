import { TEST_ISSUER, secretHash, testClient, testContext } from '../grants/testing.helper';

export const SECRET = 'secret-1';

/** A context with two confidential clients (client-1, client-2) sharing the test secret. */
export async function twoClients() {
  const ctx = await testContext();
  await ctx.stores.owners.save({ sub: 'alice', disabled: false, createdAt: 0 });
  await ctx.stores.clients.save(testClient({ clientSecretHash: secretHash(SECRET) }));
  await ctx.stores.clients.save(testClient({ clientId: 'client-2', clientSecretHash: secretHash(SECRET) }));
  return ctx;
}

export const introspectionUrl = `${TEST_ISSUER}/introspect`;
export const revocationUrl = `${TEST_ISSUER}/revoke`;
