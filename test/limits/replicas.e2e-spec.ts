import { PATHS, type Stores } from '@onboard/ciba-core';
import { describePostgres, dropPostgresSchema, postgresTestSchemaName } from '@onboard/sql-kit/testing';
import { openStores } from '@onboard/provider-store';
import { createProviderApp, type ProviderApp } from '../../apps/ciba-provider/src/bootstrap';
import { expectOAuthError } from '../support/expect';
import { CIBA_GRANT } from '../support/fixtures';
import { basicAuth, closeHttpAgent, postForm, send, type HttpResult } from '../support/http';

// README, "Limits": the counters live in the database, so the limits hold across provider
// replicas on one PostgreSQL database: two providers, each with its own connection pool and
// process state, one schema, one client flooding one owner through both.
const ADMIN_TOKEN = 'admin-token-for-replica-tests';

describePostgres('limits across two providers on one PostgreSQL database', (databaseUrl) => {
  const schema = postgresTestSchemaName();
  const stores: Stores[] = [];
  const apps: ProviderApp[] = [];
  let a: string;
  let b: string;
  let clientId: string;
  let clientSecret: string;
  let ucClientId: string;
  let ucClientSecret: string;

  const admin = (base: string, path: string, body: unknown) =>
    send({
      method: 'POST',
      url: `${base}${PATHS.admin}${path}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const startReplica = async (env: Record<string, string>) => {
    const replicaStores = await openStores({ databaseUrl, schema });
    stores.push(replicaStores);
    const app = await createProviderApp({
      env: { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', ADMIN_TOKEN, ...env },
      stores: replicaStores,
      shutdownHooks: false,
    });
    apps.push(app);
    return app.url.replace(/\/+$/, '');
  };
  const newOwner = async () => {
    const email = `replica-${Math.random().toString(36).slice(2)}@example.test`;
    const owner = await admin(a, '/owners', { email, user_code: '4711' });
    await admin(a, `/owners/${owner.json.sub}/devices`, { name: 'phone' });
    return email;
  };
  const ask = (base: string, email: string, extra: Record<string, string> = {}, id = clientId, secret = clientSecret) =>
    postForm(
      `${base}${PATHS.backchannel}`,
      { scope: 'openid', login_hint: email, ...extra },
      {
        authorization: basicAuth(id, secret),
      },
    );
  const statuses = (answers: HttpResult[]) =>
    answers.reduce<Record<number, number>>((n, res) => ({ ...n, [res.status]: (n[res.status] ?? 0) + 1 }), {});

  beforeAll(async () => {
    // Sequentially: the first opens and migrates the schema and creates the signing keys.
    a = await startReplica({ CLIENT_OWNER_REQUEST_LIMIT: '10', OWNER_PENDING_LIMIT: '20' });
    b = await startReplica({ CLIENT_OWNER_REQUEST_LIMIT: '10', OWNER_PENDING_LIMIT: '20' });
    const client = await admin(a, '/clients', {
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [CIBA_GRANT],
      backchannel_token_delivery_mode: 'poll',
    });
    clientId = client.json.client_id;
    clientSecret = client.json.client_secret;
    const ucClient = await admin(a, '/clients', {
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [CIBA_GRANT],
      backchannel_token_delivery_mode: 'poll',
      backchannel_user_code_parameter: true,
    });
    ucClientId = ucClient.json.client_id;
    ucClientSecret = ucClient.json.client_secret;
  });
  afterAll(async () => {
    closeHttpAgent();
    for (const app of apps) await app.close();
    for (const s of stores) await s.close();
    await dropPostgresSchema(databaseUrl, schema);
  });

  it('takes 10 requests per minute from one client for one owner over both replicas together', async () => {
    const email = await newOwner();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => ask(i % 2 ? a : b, email)));
    expect(statuses(answers)).toEqual({ 200: 10, 429: 50 });
  });

  it('keeps the pending maximum of one owner over both replicas together', async () => {
    const email = await newOwner();
    const clients = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() =>
        admin(a, '/clients', {
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: [CIBA_GRANT],
          backchannel_token_delivery_mode: 'poll',
        }),
      ),
    );
    // 6 clients x 10 requests (each client within its rate), half through each replica
    const answers = await Promise.all(
      clients.flatMap((c, n) =>
        Array.from({ length: 10 }, (_, i) =>
          ask((n + i) % 2 ? a : b, email, {}, c.json.client_id as string, c.json.client_secret as string),
        ),
      ),
    );
    expect(statuses(answers)).toEqual({ 200: 20, 403: 40 });
  });

  it('locks a user code guessed through one replica on the other one too', async () => {
    const email = await newOwner();
    for (const [i, wrong] of ['0000', '1111', '2222', '3333', '4444'].entries()) {
      expectOAuthError(
        await ask(i % 2 ? a : b, email, { user_code: wrong }, ucClientId, ucClientSecret),
        400,
        'invalid_user_code',
      );
    }
    for (const base of [a, b]) {
      const right = await ask(base, email, { user_code: '4711' }, ucClientId, ucClientSecret);
      expectOAuthError(right, 400, 'invalid_user_code');
      expect(right.json.error_description).toMatch(/is locked after too many wrong attempts until/);
    }
  });

  it('blocks a source that guessed client secrets through both replicas', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await postForm(
        `${i % 2 ? a : b}${PATHS.token}`,
        { grant_type: CIBA_GRANT, auth_req_id: 'x' },
        {
          authorization: basicAuth(clientId, `wrong-${i}`),
        },
      );
      expectOAuthError(res, 401, 'invalid_client');
    }
    for (const base of [a, b]) {
      const res = await postForm(
        `${base}${PATHS.token}`,
        { grant_type: CIBA_GRANT, auth_req_id: 'x' },
        {
          authorization: basicAuth(clientId, clientSecret),
        },
      );
      expectOAuthError(res, 429, 'slow_down');
    }
  });
});
