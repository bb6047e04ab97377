import { generateKeyPairSync } from 'node:crypto';
import { PATHS } from '@onboard/ciba-core';
import { expectOAuthError, expectOk } from '../support/expect';
import { get, sendJson } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';

// POST /admin/v1/clients:import: a fleet of clients in one call and one transaction, each
// checked as POST /admin/v1/clients checks one; what cannot be read at all is a 400 naming the
// field, what one client gets wrong fails that client alone.
describe('admin API: bulk client registration', () => {
  let p: TestProvider;

  const call = (body: unknown) =>
    sendJson('POST', p.at(`${PATHS.admin}/clients:import`), body, { authorization: `Bearer ${p.adminToken}` });
  const client = (id: string) =>
    get(p.at(`${PATHS.admin}/clients/${encodeURIComponent(id)}`), { authorization: `Bearer ${p.adminToken}` });

  /** A head-unit's client metadata, as the bridge registers it. */
  const headUnit = (clientId: string) => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return {
      client_id: clientId,
      grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256' }] },
      backchannel_token_delivery_mode: 'poll',
    };
  };

  beforeAll(async () => {
    p = await startProvider();
  });
  afterAll(() => p?.close());

  it('registers every client of the body, in order, each as POST /clients would', async () => {
    const body = expectOk(await call({ clients: [headUnit('hu-import-1'), headUnit('hu-import-2')] }));
    expect(body.registered).toBe(2);
    expect(body.failed).toBe(0);
    expect(body.results.map((r: any) => [r.index, r.client_id, r.outcome])).toEqual([
      [0, 'hu-import-1', 'registered'],
      [1, 'hu-import-2', 'registered'],
    ]);
    expect(body.results[0].client).toMatchObject({
      client_id: 'hu-import-1',
      token_endpoint_auth_method: 'private_key_jwt',
    });
    expect(expectOk(await client('hu-import-2')).client_id).toBe('hu-import-2');
  });

  it('fails only the clients whose metadata is refused, or whose id is taken or repeated', async () => {
    const bad = { ...headUnit('hu-import-bad'), backchannel_token_delivery_mode: 'carrier-pigeon' };
    const body = expectOk(
      await call({
        clients: [
          headUnit('hu-import-3'),
          bad,
          headUnit('hu-import-1'),
          headUnit('hu-import-3'),
          headUnit('hu-import-4'),
        ],
      }),
    );
    expect(body.results.map((r: any) => [r.index, r.outcome, r.error])).toEqual([
      [0, 'registered', undefined],
      [1, 'failed', 'invalid_client_metadata'],
      [2, 'failed', 'invalid_client_metadata'],
      [3, 'failed', 'invalid_client_metadata'],
      [4, 'registered', undefined],
    ]);
    expect(body.results[1].error_description).toMatch(/backchannel_token_delivery_mode/);
    expect(body.results[2].error_description).toMatch(/already registered/);
    expect(body.results[3].error_description).toMatch(/repeated/);
    expect((await client('hu-import-bad')).status).toBe(404);
    expect(expectOk(await client('hu-import-4')).client_id).toBe('hu-import-4');
  });

  it.each([
    ['no clients field', {}, /clients is required/],
    ['clients not an array', { clients: 'hu-1' }, /clients must be an array/],
    ['an empty list', { clients: [] }, /clients/],
    ['an unknown field beside clients', { clients: [headUnit('hu-x')], dry_run: true }, /unknown field 'dry_run'/],
    [
      'an unknown field in one client, named with its entry',
      { clients: [headUnit('hu-y'), { ...headUnit('hu-z'), backchannel_token_delivery_mod: 'poll' }] },
      /unknown field 'backchannel_token_delivery_mod' in 'clients\[1\]'/,
    ],
    ['a client that is not an object', { clients: [42] }, /clients\[0\] must be a JSON object/],
  ])('refuses %s with 400 invalid_request naming the field, registering nothing', async (_case, body, message) => {
    const res = await call(body);
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.json.error_description).toMatch(message);
    for (const id of ['hu-x', 'hu-y', 'hu-z']) expect((await client(id)).status).toBe(404);
  });

  it('refuses more than 1,000 clients in one call', async () => {
    const clients = Array.from({ length: 1001 }, (_, i) => ({ client_id: `hu-many-${i}` }));
    const res = await call({ clients });
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.json.error_description).toMatch(/clients/);
    expect((await client('hu-many-0')).status).toBe(404);
  });

  it('needs the admin token', async () => {
    const res = await sendJson('POST', p.at(`${PATHS.admin}/clients:import`), { clients: [headUnit('hu-anon')] });
    expect(res.status).toBe(401);
  });
});
