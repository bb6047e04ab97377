import { PATHS } from '@onboard/ciba-core';
import { expectOAuthError, expectOk } from '../support/expect';
import { createOwner, type TestOwner } from '../support/fixtures';
import { get, send, sendJson, type HttpResult } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';

// Every admin API body is checked against the fields its endpoint declares: an unknown field is
// refused (400 invalid_request naming it) instead of being dropped, and a malformed value is
// refused naming the format expected.
describe('admin API request bodies', () => {
  let p: TestProvider;
  let owner: TestOwner;

  const call = (method: string, path: string, body?: unknown) =>
    sendJson(method, p.at(`${PATHS.admin}${path}`), body, { authorization: `Bearer ${p.adminToken}` });
  const owners = async () =>
    expectOk(await get(p.at(`${PATHS.admin}/owners`), { authorization: `Bearer ${p.adminToken}` })).owners as any[];

  function expectRefusal(res: HttpResult, ...mentions: RegExp[]): void {
    expectOAuthError(res, 400, 'invalid_request');
    for (const mention of mentions) expect(res.json.error_description).toMatch(mention);
  }

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
  });
  afterAll(() => p?.close());

  it('refuses an owner with an unknown field, creating nothing', async () => {
    const before = (await owners()).length;
    const res = await call('POST', '/owners', { mail: 'alice@example.com' });
    expectRefusal(res, /unknown field 'mail'/, /email/);
    expect((await owners()).length).toBe(before);
  });

  it('names every unknown field', async () => {
    const res = await call('POST', '/owners', { email: 'x@example.com', mail: 'a', tel: '+4915112345678' });
    expectRefusal(res, /'mail'/, /'tel'/);
  });

  it.each([
    ['phone_number', '0151 1234567', /phone_number must be an E\.164 phone number.*\+4915112345678/],
    ['email', 'not-an-email', /email must be an e-mail address/],
    ['username', 'has space', /username must be 1 to 64 characters of A-Z a-z 0-9 \. _ -/],
    ['sub', 'x'.repeat(256), /sub must be 1 to 255 printable ASCII characters/],
    ['name', 'bad\u0000name', /name must be 1 to 200 characters without control characters/],
    ['user_code', '12', /user_code must be 4 to 64 printable characters/],
    ['email', 42, /email must be a string/],
  ])('refuses a malformed %s, naming the expected format', async (field, value, message) => {
    expectRefusal(await call('POST', '/owners', { [field]: value }), message);
  });

  it('refuses unknown fields when setting a user code and adding an owner device', async () => {
    const sub = encodeURIComponent(owner.sub);
    expectRefusal(await call('PUT', `/owners/${sub}/user-code`, { user_code: '4711', code: '4711' }), /'code'/);
    expectRefusal(await call('PUT', `/owners/${sub}/user-code`, {}), /user_code is required/);
    expectRefusal(await call('POST', `/owners/${sub}/devices`, { name: 'phone', label: 'x' }), /'label'/);
    expect(
      (await get(p.at(`${PATHS.admin}/owners/${sub}/devices`), { authorization: `Bearer ${p.adminToken}` })).json
        .devices,
    ).toHaveLength(1);
  });

  it('refuses fields on the bodiless actions, and accepts them without a body', async () => {
    const created = expectOk(await call('POST', '/owners', { email: 'bodiless@example.com' }), 201);
    const sub = encodeURIComponent(created.sub);
    expectRefusal(
      await call('POST', `/owners/${sub}/disable`, { reason: 'fraud' }),
      /unknown field 'reason'/,
      /no fields/,
    );
    expect((await owners()).find((o) => o.sub === created.sub).disabled).toBe(false);
    expectOk(await call('POST', `/owners/${sub}/disable`));
    expectOk(await call('POST', `/owners/${sub}/disable`, {}));
  });

  it('refuses a client with an unknown or misspelt metadata field', async () => {
    const res = await call('POST', '/clients', {
      client_name: 'Kiosk',
      backchannel_token_delivery_mod: 'ping',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expectRefusal(res, /unknown field 'backchannel_token_delivery_mod'/, /backchannel_token_delivery_mode/);
    const ok = await call('POST', '/clients', { client_name: 'Kiosk', backchannel_token_delivery_mode: 'poll' });
    expectOk(ok, 201);
  });

  it('still ignores unknown metadata at the Dynamic Client Registration endpoint (RFC 7591 §2)', async () => {
    const res = await sendJson(
      'POST',
      p.at(PATHS.registration),
      { client_name: 'DCR', backchannel_token_delivery_mode: 'poll', logo_uri: 'https://rp.example/logo.png' },
      { authorization: `Bearer ${p.initialAccessToken}` },
    );
    expectOk(res, 201);
  });

  it('refuses a body that is not a JSON object before looking at fields', async () => {
    const res = await send({
      method: 'POST',
      url: p.at(`${PATHS.admin}/owners`),
      headers: { authorization: `Bearer ${p.adminToken}`, 'content-type': 'application/json' },
      body: '["mail"]',
    });
    expectRefusal(res, /JSON object/);
  });
});
