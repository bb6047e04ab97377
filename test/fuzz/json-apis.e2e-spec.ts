import { PATHS } from '@onboard/ciba-core';
import { get } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  backchannel,
  bindingMessage,
  clientMetadata,
  completePollFlow,
  createOwner,
  registerClient,
  type TestOwner,
} from '../support/fixtures';
import { createPrng, fuzzSeed, type Prng } from '../support/prng';
import { expectOk } from '../support/expect';
import { generateTestKey } from '../support/jose-helpers';
import { badJwtPool, describeFailures, jsonCase, runCases, type FuzzCase } from './fuzz-kit';

const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const SEED = fuzzSeed();

// Registration, owner-device and admin APIs under malformed JSON, paths and credentials.
describe(`fuzzing the JSON APIs (seed ${SEED}, FUZZ_SEED to reproduce)`, () => {
  let p: TestProvider;
  let owner: TestOwner;
  let jwts: string[];
  let requestIds: string[] = [];
  let metadata: Record<string, unknown>;

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
    const client = await registerClient(p, { authMethod: 'client_secret_basic' });
    const key = await generateTestKey('ES256');
    jwts = await badJwtPool(key, await generateTestKey('ES256'), { iss: 'x', sub: 'y', exp: 2e9 });
    for (let i = 0; i < 30; i++)
      expectOk(
        await backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: bindingMessage() }),
      );
    requestIds = (await owner.device.pending()).map((r) => r.id);
    metadata = (await clientMetadata({ mode: 'ping', notificationEndpoint: 'http://127.0.0.1:9/cb' })).metadata;
  });
  afterAll(() => p?.close());

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
    expect((await get(p.at(PATHS.health))).status).toBe(200);
  }

  const randomId = (rng: Prng) =>
    rng.pick([
      () => rng.pick(requestIds),
      () => rng.string(1 + rng.int(60)),
      () => encodeURIComponent(rng.bytes(1 + rng.int(30)).toString('latin1')),
      () =>
        rng.pick([
          '%00',
          '..',
          '%2e%2e',
          '%2F',
          'null',
          'undefined',
          '__proto__',
          'constructor',
          '-1',
          'a'.repeat(3000),
        ]),
    ])();
  const deviceAuth = (rng: Prng) => (): Record<string, string> =>
    rng.bool(0.6)
      ? { authorization: `Bearer ${owner.device.credential}` }
      : {
          authorization: rng.pick([
            '',
            'Bearer',
            `Bearer ${rng.string(43)}`,
            `Basic ${owner.device.credential}`,
            `Bearer ${rng.pick(jwts).slice(0, 5000)}`,
            `bearer ${owner.device.credential}x`,
          ]),
        };

  it('dynamic client registration', async () => {
    await fuzz('register', 11, (rng) =>
      jsonCase(
        rng,
        p.at(PATHS.registration),
        'POST',
        () => ({ ...metadata }),
        (): Record<string, string> => (rng.bool(0.7) ? { authorization: `Bearer ${p.initialAccessToken}` } : {}),
        jwts,
      ),
    );
  }, 90_000);

  it('owner-device list', async () => {
    await fuzz('owner-device list', 12, (rng) => {
      const query = rng.pick([
        '',
        '?wait=0',
        `?wait=${rng.pick(['-1', 'x', '1e9', '0.5', '', '99999999999999999999'])}`,
        `?wait=0&wait=0`,
        `?${rng.string(5)}=${rng.string(5)}`,
      ]);
      const method = rng.pick(['GET', 'GET', 'GET', 'POST', 'DELETE', 'HEAD']);
      return {
        label: `${method} list${query}`,
        request: { method, url: p.at(`${PATHS.ownerDevice}/requests${query}`), headers: deviceAuth(rng)() },
      };
    });
  }, 90_000);

  it('owner-device get', async () => {
    await fuzz('owner-device get', 13, (rng) => ({
      label: 'get',
      request: {
        method: rng.pick(['GET', 'GET', 'PUT']),
        url: p.at(`${PATHS.ownerDevice}/requests/${randomId(rng)}`),
        headers: deviceAuth(rng)(),
      },
    }));
  }, 90_000);

  for (const [decision, salt] of [
    ['approve', 14],
    ['deny', 15],
  ] as const) {
    it(`owner-device ${decision}`, async () => {
      await fuzz(`owner-device ${decision}`, salt, (rng) => {
        const c = jsonCase(
          rng,
          p.at(`${PATHS.ownerDevice}/requests/${randomId(rng)}/${decision}`),
          'POST',
          () => ({ acr: 'urn:onboard:acr:device', amr: ['hwk'] }),
          deviceAuth(rng),
          jwts,
        );
        // Sometimes no body at all.
        if (rng.bool(0.1)) c.request.body = undefined;
        return c;
      });
    }, 90_000);
  }

  it('admin API', async () => {
    await fuzz('admin', 16, (rng) => {
      const path = rng.pick([
        `${PATHS.admin}/owners`,
        `${PATHS.admin}/clients`,
        `${PATHS.admin}/owners/${randomId(rng)}/devices`,
        `${PATHS.admin}/owners/${owner.sub}/user-code`,
      ]);
      const method = path.endsWith('user-code') ? 'PUT' : 'POST';
      return jsonCase(
        rng,
        p.at(path),
        method,
        () =>
          path.endsWith('clients')
            ? { ...metadata }
            : path.endsWith('user-code')
              ? { user_code: rng.string(6, '0123456789') }
              : { email: `${rng.string(8)}@example.test`, name: rng.string(5) },
        (): Record<string, string> => (rng.bool(0.7) ? { authorization: `Bearer ${p.adminToken}` } : {}),
        jwts,
      );
    });
  }, 90_000);

  it('a valid flow still completes after the fuzzing', async () => {
    const client = await registerClient(p);
    const fresh = await createOwner(p);
    const { tokens } = await completePollFlow(p, client, fresh);
    expect(typeof tokens.access_token).toBe('string');
  });
});
