import { startProvider, type TestProvider } from '../support/provider';
import { PATHS } from '@onboard/ciba-core';
import {
  authedPost,
  backchannel,
  bindingMessage,
  cibaToken,
  createOwner,
  refresh,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { OwnerAppSession, inviteOwner } from '../support/owner-app';

// The owner app's history and paired vehicles over real HTTP, with libs/soft-authenticator
// as the phone and the test fixtures as the relying parties.
describe('owner app: history and vehicles', () => {
  let p: TestProvider;
  let desk: TestClient;
  let alice: TestOwner;
  let phone: OwnerAppSession;

  const ask = async (client: TestClient, owner: TestOwner, scope = 'openid') => {
    const bm = bindingMessage();
    const ack = await backchannel(p, client, { scope, login_hint: owner.email, binding_message: bm });
    expect(ack.status).toBe(200);
    const entry = (await phone.pending()).find((r) => r.binding_message === bm);
    if (!entry) throw new Error('request not listed in the owner app');
    return { authReqId: ack.json.auth_req_id as string, id: entry.id as string, bm };
  };

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    desk = await registerClient(p, { metadata: { client_name: 'Car Rental Desk' } });
    alice = await createOwner(p);
    phone = new OwnerAppSession(p);
    const { token } = await inviteOwner(p, alice.sub);
    expect((await phone.enrol(token, 'Alice phone')).status).toBe(201);
  });
  afterAll(() => p?.close());

  describe('GET /history', () => {
    it('lists answered requests newest first, a page at a time, and leaves pending ones out', async () => {
      const first = await ask(desk, alice);
      expect((await phone.approve(first.id)).status).toBe(200);
      const second = await ask(desk, alice);
      expect((await phone.call('POST', `/requests/${second.id}/deny`, {})).status).toBe(200);
      const third = await ask(desk, alice);
      expect((await phone.call('POST', `/requests/${third.id}/deny`, { reason: 'not_me' })).status).toBe(200);
      const pending = await ask(desk, alice);

      const page1 = await phone.call('GET', '/history?limit=2');
      expect(page1.status).toBe(200);
      expect(page1.headers['cache-control']).toBe('no-store');
      expect(page1.json.requests.map((r: { id: string }) => r.id)).toEqual([third.id, second.id]);
      expect(page1.json.requests.map((r: { status: string }) => r.status)).toEqual(['denied', 'denied']);
      expect(page1.json.requests[0]).toMatchObject({ client_id: desk.clientId, binding_message: third.bm });
      expect(typeof page1.json.next_cursor).toBe('string');

      const page2 = await phone.call('GET', `/history?limit=2&cursor=${page1.json.next_cursor}`);
      expect(page2.status).toBe(200);
      expect(page2.json.requests.map((r: { id: string }) => r.id)).toEqual([first.id]);
      expect(page2.json.requests[0].status).toBe('approved');
      expect(page2.json.next_cursor).toBeUndefined();

      const all = await phone.call('GET', '/history');
      expect(all.json.requests.map((r: { id: string }) => r.id)).not.toContain(pending.id);
    });

    it('shows a request that expired unanswered as expired', async () => {
      const bm = bindingMessage();
      const ack = await backchannel(p, desk, {
        scope: 'openid',
        login_hint: alice.email,
        binding_message: bm,
        requested_expiry: '1',
      });
      expect(ack.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const history = await phone.call('GET', '/history');
      const entry = history.json.requests.find((r: { binding_message: string }) => r.binding_message === bm);
      expect(entry).toMatchObject({ status: 'expired', expires_in: 0 });
    });

    it('refuses bad paging and callers that are not signed in', async () => {
      expect((await phone.call('GET', '/history?limit=0')).json.error).toBe('invalid_request');
      expect((await phone.call('GET', '/history?cursor=nope')).json.error).toBe('invalid_request');
      const stranger = new OwnerAppSession(p);
      expect((await stranger.call('GET', '/history')).status).toBe(401);
    });

    it("never shows another owner's requests", async () => {
      const bob = await createOwner(p);
      const bobPhone = new OwnerAppSession(p);
      const { token } = await inviteOwner(p, bob.sub);
      expect((await bobPhone.enrol(token)).status).toBe(201);
      const history = await bobPhone.call('GET', '/history');
      expect(history.status).toBe(200);
      expect(history.json.requests).toEqual([]);
    });
  });

  describe('vehicles', () => {
    let car: TestClient;
    const pair = async (vehicle: TestClient) => {
      const { authReqId, id } = await ask(vehicle, alice, 'openid offline_access');
      expect((await phone.approve(id)).status).toBe(200);
      const tokens = await cibaToken(p, vehicle, authReqId);
      expect(tokens.status).toBe(200);
      expect(typeof tokens.json.refresh_token).toBe('string');
      return tokens.json as { access_token: string; refresh_token: string };
    };
    const active = async (vehicle: TestClient, token: string) =>
      (await authedPost(p, vehicle, PATHS.introspection, { token })).json.active;

    beforeAll(async () => {
      car = await registerClient(p, {
        metadata: {
          client_name: 'Head-unit 7',
          onboard_vehicle: { nickname: 'Family car', model: 'Model E' },
        },
      });
    });

    it('lists a head-unit holding tokens for the owner by nickname and model', async () => {
      expect((await phone.call('GET', '/vehicles')).json.vehicles).toEqual([]);
      await pair(car);
      const list = await phone.call('GET', '/vehicles');
      expect(list.status).toBe(200);
      expect(list.json.vehicles).toEqual([
        expect.objectContaining({ client_id: car.clientId, nickname: 'Family car', model: 'Model E' }),
      ]);
      expect(Date.parse(list.json.vehicles[0].paired_at)).toBeGreaterThan(Date.now() - 60_000);
      // A relying party that is no vehicle is not listed, whatever tokens it holds.
      expect(list.json.vehicles.map((v: { client_id: string }) => v.client_id)).not.toContain(desk.clientId);
    });

    it('unpairs: access tokens stop introspecting active at once, refresh fails with invalid_grant, audited', async () => {
      const tokens = await pair(car);
      expect(await active(car, tokens.access_token)).toBe(true);
      const unpaired = await phone.call('POST', `/vehicles/${encodeURIComponent(car.clientId)}/unpair`, {});
      expect(unpaired.status).toBe(204);
      expect(await active(car, tokens.access_token)).toBe(false);
      const refreshed = await refresh(p, car, tokens.refresh_token);
      expect(refreshed.status).toBe(400);
      expect(refreshed.json.error).toBe('invalid_grant');
      expect((await phone.call('GET', '/vehicles')).json.vehicles).toEqual([]);
      const audit = await p.booted.ctx.stores.audit.list({ sub: alice.sub });
      const entry = audit.find((e) => e.type === 'vehicle.unpaired');
      expect(entry).toMatchObject({ clientId: car.clientId, sub: alice.sub });
      expect(entry?.hash).toEqual(expect.any(String));
      expect(entry?.prevHash).toEqual(expect.any(String));
      // Unpairing twice, or a client never paired with this owner: 404.
      const again = await phone.call('POST', `/vehicles/${encodeURIComponent(car.clientId)}/unpair`, {});
      expect(again.status).toBe(404);
      expect((await phone.call('POST', '/vehicles/nobody/unpair', {})).status).toBe(404);
    });

    it("cannot unpair another owner's vehicle, nor without a session", async () => {
      await pair(car);
      const bob = await createOwner(p);
      const bobPhone = new OwnerAppSession(p);
      const { token } = await inviteOwner(p, bob.sub);
      expect((await bobPhone.enrol(token)).status).toBe(201);
      expect((await bobPhone.call('POST', `/vehicles/${encodeURIComponent(car.clientId)}/unpair`, {})).status).toBe(
        404,
      );
      expect((await new OwnerAppSession(p).call('GET', '/vehicles')).status).toBe(401);
      expect((await phone.call('GET', '/vehicles')).json.vehicles).toHaveLength(1);
    });
  });
});

describe('owner app: limits on passkey attempts', () => {
  const started: TestProvider[] = [];
  afterAll(() => Promise.all(started.map((p) => p.close())));
  const boot = async (env: Record<string, string>) => {
    const p = await startProvider({ inMemory: true, env: { PASSKEY_LIMIT_WINDOW: '60', ...env } });
    started.push(p);
    return p;
  };

  it('refuses a source address over its limit with 429 slow_down and Retry-After', async () => {
    const p = await boot({ PASSKEY_SOURCE_LIMIT: '3' });
    const phone = new OwnerAppSession(p);
    for (let i = 0; i < 3; i++) expect((await phone.call('POST', '/session/options', {})).status).toBe(200);
    const refused = await phone.call('POST', '/session/options', {});
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('slow_down');
    expect(refused.json.error_description).toMatch(/too many passkey attempts from this address/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Enrolment and sign-in share the count: an invitation from this address is refused too.
    const owner = await createOwner(p);
    const { token } = await inviteOwner(p, owner.sub);
    expect((await phone.call('POST', '/enrolment/options', { invitation: token })).status).toBe(429);
  });

  /** An owner enrolled on a phone through an invitation, with one pending request listed. */
  async function enrolledPhoneWithRequest(p: TestProvider) {
    const client = await registerClient(p);
    const owner = await createOwner(p);
    const phone = new OwnerAppSession(p);
    const { token } = await inviteOwner(p, owner.sub);
    expect((await phone.enrol(token)).status).toBe(201);
    const ack = await backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: 'LIMIT' });
    expect(ack.status).toBe(200);
    const [request] = await phone.pending();
    return { phone, request };
  }

  it('refuses an owner over their limit on approvals, whatever the address', async () => {
    // Enrolment counts two attempts for the owner (options, verify); approvals one per step.
    const p = await boot({ PASSKEY_OWNER_LIMIT: '4' });
    const { phone, request } = await enrolledPhoneWithRequest(p);
    const options = (path: string) => phone.call('POST', `/requests/${request.id}/approval/${path}`, {});
    expect((await options('options')).status).toBe(200);
    expect((await options('options')).status).toBe(200);
    const refused = await options('options');
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: 'slow_down' });
    expect(refused.json.error_description).toMatch(/too many passkey attempts for this account/);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    // The approval itself is refused as well, and the request stays pending.
    const approve = await phone.approve(request.id);
    expect(approve.status).toBe(429);
    expect((await phone.pending()).map((r) => r.id)).toEqual([request.id]);
  });

  it('counts the passkey approval itself: over the limit it is refused before the assertion is verified', async () => {
    // Enrolment counts two, the approval options a third: the approval is the fourth.
    const p = await boot({ PASSKEY_OWNER_LIMIT: '3' });
    const { phone, request } = await enrolledPhoneWithRequest(p);
    const options = await phone.call('POST', `/requests/${request.id}/approval/options`, {});
    expect(options.status).toBe(200);
    const credential = await phone.phone.authenticate(options.json.public_key, { origin: phone.origin });
    const approve = await phone.call('POST', `/requests/${request.id}/approve`, { credential });
    expect(approve.status).toBe(429);
    expect(approve.json.error).toBe('slow_down');
    expect(approve.headers['retry-after']).toMatch(/^\d+$/);
    expect((await phone.pending()).map((r) => r.id)).toEqual([request.id]);
    // Deny is never limited: the owner can always say no.
    expect((await phone.call('POST', `/requests/${request.id}/deny`, {})).status).toBe(200);
  });
});
