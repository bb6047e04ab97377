import { PATHS } from '@onboard/ciba-core';
import { basicAuth, get } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  ASSERTION_TYPE,
  backchannel,
  bindingMessage,
  CIBA_GRANT,
  completePollFlow,
  createOwner,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { createPrng, fuzzSeed, type Prng } from '../support/prng';
import { expectOk } from '../support/expect';
import { generateTestKey, type TestKey } from '../support/jose-helpers';
import {
  badJwtPool,
  clientAssertion,
  describeFailures,
  formCase,
  requestObject,
  runCases,
  type FuzzCase,
} from './fuzz-kit';

const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const SEED = fuzzSeed();

// Issue 2 §3: malformed input of every kind gets a spec-correct 4xx, never a 5xx or a crash.
describe(`fuzzing the OAuth endpoints (seed ${SEED}, FUZZ_SEED to reproduce)`, () => {
  let p: TestProvider;
  let owner: TestOwner;
  let basicClient: TestClient;
  let postClient: TestClient;
  let jwtClient: TestClient;
  let otherKey: TestKey;
  let jwts: string[];
  const authReqIds: string[] = [];
  const accessTokens: string[] = [];
  const refreshTokens: string[] = [];
  let assertionPool: string[] = [];
  let requestObjectPool: string[] = [];

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);
    p = await startProvider({ inMemory: true, env: { CIBA_POLL_INTERVAL: '1' } });
    owner = await createOwner(p);
    basicClient = await registerClient(p, { authMethod: 'client_secret_basic' });
    postClient = await registerClient(p, { authMethod: 'client_secret_post' });
    jwtClient = await registerClient(p, { metadata: { backchannel_authentication_request_signing_alg: 'ES256' } });
    otherKey = await generateTestKey('ES256');
    jwts = await badJwtPool(jwtClient.key!, otherKey, {
      iss: jwtClient.clientId,
      sub: jwtClient.clientId,
      aud: p.issuer,
      exp: Math.floor(Date.now() / 1000) + 300,
      iat: Math.floor(Date.now() / 1000),
      jti: 'fuzz',
    });
    for (let i = 0; i < 20; i++) {
      const ack = expectOk(
        await backchannel(p, basicClient, {
          scope: 'openid',
          login_hint: owner.email,
          binding_message: bindingMessage(),
        }),
      );
      authReqIds.push(ack.auth_req_id);
    }
    for (let i = 0; i < 4; i++) {
      const { tokens, authReqId } = await completePollFlow(p, basicClient, owner, { scope: 'openid offline_access' });
      accessTokens.push(tokens.access_token);
      refreshTokens.push(tokens.refresh_token);
      authReqIds.push(authReqId);
    }
    jwts.push(...accessTokens);
  });
  afterAll(() => p?.close());

  async function refillPools(endpointPath: string): Promise<void> {
    assertionPool = await Promise.all(
      Array.from({ length: 200 }, () => clientAssertion(jwtClient.key!, jwtClient.clientId, p.issuer + endpointPath)),
    );
    requestObjectPool = await Promise.all(
      Array.from({ length: 50 }, () =>
        requestObject(jwtClient.key!, jwtClient.clientId, p.issuer, { scope: 'openid', login_hint: owner.email }),
      ),
    );
  }

  const authVariants = (rng: Prng) => (): { form: Record<string, string>; headers: Record<string, string> } => {
    switch (rng.int(7)) {
      case 0:
        return { form: {}, headers: { authorization: basicAuth(basicClient.clientId, basicClient.clientSecret!) } };
      case 1:
        return { form: { client_id: postClient.clientId, client_secret: postClient.clientSecret! }, headers: {} };
      case 2:
        return {
          form: {
            client_id: jwtClient.clientId,
            client_assertion_type: ASSERTION_TYPE,
            client_assertion: assertionPool.pop() ?? rng.pick(jwts),
          },
          headers: {},
        };
      case 3:
        return { form: { client_assertion_type: ASSERTION_TYPE, client_assertion: rng.pick(jwts) }, headers: {} };
      case 4:
        return { form: {}, headers: { authorization: basicAuth(basicClient.clientId, rng.string(20)) } };
      case 5:
        return { form: { client_id: rng.string(12) }, headers: {} };
      default:
        return { form: {}, headers: {} };
    }
  };

  async function fuzz(name: string, salt: number, make: (rng: Prng) => FuzzCase): Promise<void> {
    const rng = createPrng((SEED + salt) >>> 0);
    const started = Date.now();
    const { failures, statuses } = await runCases(CASES, () => make(rng));
    const summary = [...statuses.entries()]
      .sort()
      .map(([s, n]) => `${s}:${n}`)
      .join(' ');
    console.log(`${name}: ${CASES} cases in ${Date.now() - started} ms, statuses ${summary}`);
    expect(describeFailures(SEED, failures)).toBe('');
    // The process is alive and still serves.
    expect((await get(p.at(PATHS.health))).status).toBe(200);
  }

  it('backchannel authentication endpoint', async () => {
    await refillPools(PATHS.backchannel);
    await fuzz('backchannel', 1, (rng) =>
      formCase(
        rng,
        p.at(PATHS.backchannel),
        (): Record<string, string> =>
          rng.bool(0.2)
            ? { request: requestObjectPool.pop() ?? rng.pick(jwts) }
            : {
                scope: 'openid',
                login_hint: rng.bool(0.7) ? owner.email : rng.string(10),
                binding_message: 'FUZZ',
                requested_expiry: '60',
              },
        [
          'scope',
          'login_hint',
          'login_hint_token',
          'id_token_hint',
          'binding_message',
          'user_code',
          'requested_expiry',
          'acr_values',
          'client_notification_token',
          'authorization_details',
          'request',
          'client_id',
          'client_assertion',
        ],
        jwts,
        authVariants(rng),
      ),
    );
  }, 90_000);

  it('token endpoint', async () => {
    await refillPools(PATHS.token);
    await fuzz('token', 2, (rng) =>
      formCase(
        rng,
        p.at(PATHS.token),
        (): Record<string, string> =>
          rng.bool(0.7)
            ? { grant_type: CIBA_GRANT, auth_req_id: rng.pick(authReqIds) }
            : { grant_type: 'refresh_token', refresh_token: rng.pick(refreshTokens) },
        ['grant_type', 'auth_req_id', 'refresh_token', 'scope', 'client_id', 'code', 'redirect_uri'],
        jwts,
        authVariants(rng),
      ),
    );
  }, 90_000);

  it('introspection endpoint', async () => {
    await refillPools(PATHS.introspection);
    await fuzz('introspection', 3, (rng) =>
      formCase(
        rng,
        p.at(PATHS.introspection),
        () => ({
          token: rng.pick([...accessTokens, ...refreshTokens]),
          token_type_hint: rng.pick(['access_token', 'refresh_token']),
        }),
        ['token', 'token_type_hint'],
        jwts,
        authVariants(rng),
      ),
    );
  }, 90_000);

  it('revocation endpoint', async () => {
    await refillPools(PATHS.revocation);
    await fuzz('revocation', 4, (rng) =>
      formCase(
        rng,
        p.at(PATHS.revocation),
        () => ({
          token: rng.bool(0.1) ? rng.pick([...accessTokens, ...refreshTokens]) : rng.pick(jwts),
          token_type_hint: rng.pick(['access_token', 'refresh_token', 'x']),
        }),
        ['token', 'token_type_hint'],
        jwts,
        authVariants(rng),
      ),
    );
  }, 90_000);

  it('userinfo endpoint', async () => {
    await fuzz('userinfo', 5, (rng) => {
      if (rng.bool(0.5)) {
        return formCase(
          rng,
          p.at(PATHS.userinfo),
          () => ({ access_token: rng.pick(jwts) }),
          ['access_token'],
          jwts,
          (): { form: Record<string, string>; headers: Record<string, string> } => ({
            form: {},
            headers: rng.bool()
              ? {
                  authorization: `${rng.pick(['Bearer', 'DPoP', 'bearer', 'Basic', ''])} ${rng.pick(jwts).slice(0, 6000)}`,
                }
              : {},
          }),
        );
      }
      const headers: Record<string, string> = {};
      headers.authorization = `${rng.pick(['Bearer', 'DPoP', 'bearer', 'Bearer  ', 'Token'])} ${rng.pick(jwts).slice(0, 7000)}`;
      if (rng.bool(0.3)) headers.dpop = rng.pick(jwts).slice(0, 7000);
      return {
        label: 'userinfo header',
        request: { method: rng.pick(['GET', 'GET', 'POST', 'HEAD']), url: p.at(PATHS.userinfo), headers },
      };
    });
  }, 90_000);

  it('discovery and JWKS', async () => {
    await fuzz('discovery+jwks', 6, (rng) => {
      const path = rng.pick([PATHS.discovery, PATHS.jwks, PATHS.health]);
      const query = rng.bool(0.5)
        ? `?${encodeURIComponent(rng.string(10))}=${encodeURIComponent(rng.bytes(10).toString('latin1'))}`
        : '';
      const method = rng.pick(['GET', 'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH']);
      return {
        label: `${method} ${path}`,
        request: {
          method,
          url: p.at(path) + query,
          headers: {
            'content-type': rng.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded']),
            accept: rng.pick(['*/*', 'text/html', 'application/xml']),
          },
          body: method === 'GET' || method === 'HEAD' ? undefined : rng.bytes(rng.int(512)),
        },
      };
    });
  }, 90_000);

  it('a valid flow still completes after the fuzzing', async () => {
    const fresh = await registerClient(p, { authMethod: 'private_key_jwt' });
    const { tokens } = await completePollFlow(p, fresh, owner);
    expect(typeof tokens.id_token).toBe('string');
  });
});
