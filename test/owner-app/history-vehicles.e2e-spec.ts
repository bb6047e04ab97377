import { startProvider, type TestProvider } from '../support/provider';
import {
  backchannel,
  bindingMessage,
  createOwner,
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
});
