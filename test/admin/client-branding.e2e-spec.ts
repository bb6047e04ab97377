import { PATHS } from '@onboard/ciba-core';
import { expectOAuthError, expectOk } from '../support/expect';
import { backchannel, bindingMessage, createOwner, registerClient, type TestOwner } from '../support/fixtures';
import { sendJson } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';

// Branding set by the admin API (an OEM's or bank's back-end) after registration: what the
// owner's phone shows of a client changes for the next request, checked as at registration.
describe('admin API: client branding', () => {
  let p: TestProvider;
  let owner: TestOwner;

  const put = (clientId: string, body: unknown) =>
    sendJson('PUT', p.at(`${PATHS.admin}/clients/${encodeURIComponent(clientId)}/branding`), body, {
      authorization: `Bearer ${p.adminToken}`,
    });
  const shown = async () =>
    (await owner.device.pending()) as { binding_message: string; client?: Record<string, unknown> }[];

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
  });
  afterAll(() => p?.close());

  it('changes name, colours, strings and logo for the next request, and null removes a field', async () => {
    const client = await registerClient(p, {
      metadata: { client_name: 'Old Desk', logo_uri: 'https://desk.example/old.png' },
    });
    const updated = await put(client.clientId, {
      client_name: 'Hanami Bank, counter 3',
      onboard_branding: {
        primary_color: '#0b5fff',
        strings: { en: { request_title: 'Withdrawal at the counter' }, ja: { request_title: '窓口でのお引き出し' } },
      },
      onboard_vehicle: null,
      logo_uri: null,
    });
    expectOk(updated);
    expect(updated.json).toMatchObject({ client_id: client.clientId, client_name: 'Hanami Bank, counter 3' });
    expect(updated.json.logo_uri).toBeUndefined();

    const bm = bindingMessage();
    expectOk(await backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: bm }));
    const entry = (await shown()).find((e) => e.binding_message === bm);
    expect(entry?.client).toEqual({
      name: 'Hanami Bank, counter 3',
      branding: {
        primary_color: '#0b5fff',
        strings: { en: { request_title: 'Withdrawal at the counter' }, ja: { request_title: '窓口でのお引き出し' } },
      },
    });

    // Absent fields stay as they are.
    expectOk(await put(client.clientId, { onboard_approval_receipts: true }));
    const again = await sendJson('GET', p.at(`${PATHS.admin}/clients/${client.clientId}`), undefined, {
      authorization: `Bearer ${p.adminToken}`,
    });
    expect(again.json).toMatchObject({
      client_name: 'Hanami Bank, counter 3',
      onboard_approval_receipts: true,
      onboard_branding: { primary_color: '#0b5fff' },
    });
    const events = await p.booted.ctx.stores.audit.chain();
    expect(events.filter((e) => e.type === 'client.branding_updated' && e.clientId === client.clientId)).toHaveLength(
      2,
    );
  });

  it('refuses a bad value naming it, an unknown field, and an unknown client', async () => {
    const client = await registerClient(p, { metadata: { client_name: 'Kiosk' } });
    const colour = await put(client.clientId, { onboard_branding: { primary_color: 'blue' } });
    expectOAuthError(colour, 400, 'invalid_client_metadata');
    expect(colour.json.error_description).toMatch(/onboard_branding\.primary_color.*#rgb or #rrggbb/);
    const logo = await put(client.clientId, { logo_uri: 'http://desk.example/logo.png' });
    expectOAuthError(logo, 400, 'invalid_client_metadata');
    expect(logo.json.error_description).toMatch(/logo_uri/);
    const unknown = await put(client.clientId, { client_nmae: 'typo' });
    expectOAuthError(unknown, 400, 'invalid_request');
    expect(unknown.json.error_description).toMatch(/client_nmae/);
    const notJson = await put(client.clientId, { onboard_approval_receipts: 'yes' });
    expectOAuthError(notJson, 400, 'invalid_request');
    expect(notJson.json.error_description).toMatch(/onboard_approval_receipts/);
    expectOAuthError(await put('no-such-client', { client_name: 'x' }), 404, 'not_found');
    const unchanged = await sendJson('GET', p.at(`${PATHS.admin}/clients/${client.clientId}`), undefined, {
      authorization: `Bearer ${p.adminToken}`,
    });
    expect(unchanged.json.client_name).toBe('Kiosk');
    expect(unchanged.json.onboard_branding).toBeUndefined();
  });

  it('needs the admin token', async () => {
    const res = await sendJson('PUT', p.at(`${PATHS.admin}/clients/x/branding`), { client_name: 'x' });
    expect(res.status).toBe(401);
  });
});
