import { PATHS } from '@onboard/ciba-core';
import { get, send, sendJson, sleep } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  addOwnerDevice,
  backchannel,
  bindingMessage,
  cibaToken,
  createOwner,
  registerClient,
  requestsOf,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOk } from '../support/expect';

// The owner-device API: what an authentication device lists, approves and denies.
describe('owner-device API', () => {
  let p: TestProvider;
  let alice: TestOwner;
  let bob: TestOwner;
  let client: TestClient;

  const ask = async (owner: TestOwner, extra: Record<string, string> = {}) => {
    const bm = bindingMessage();
    const ack = expectOk(
      await backchannel(p, client, { scope: 'openid email', login_hint: owner.email, binding_message: bm, ...extra }),
    );
    const entry = (await owner.device.pending()).find((r) => r.binding_message === bm);
    if (!entry) throw new Error('request not listed on the owner device');
    return { authReqId: ack.auth_req_id as string, bm, entry };
  };

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    alice = await createOwner(p);
    bob = await createOwner(p);
    client = await registerClient(p, { metadata: { client_name: 'Car Rental Desk' } });
  });
  afterAll(() => p?.close());

  describe('authentication', () => {
    it('refuses requests without a device credential', async () => {
      const res = await get(p.at(`${PATHS.ownerDevice}/requests`));
      expect(res.status).toBe(401);
      expect(typeof res.json?.error).toBe('string');
    });

    it('refuses an unknown device credential', async () => {
      const res = await get(p.at(`${PATHS.ownerDevice}/requests`), { authorization: 'Bearer not-a-device-credential' });
      expect(res.status).toBe(401);
    });

    it('refuses the admin token as a device credential', async () => {
      const res = await get(p.at(`${PATHS.ownerDevice}/requests`), { authorization: `Bearer ${p.adminToken}` });
      expect(res.status).toBe(401);
    });

    it('refuses approval without a credential', async () => {
      const { entry } = await ask(alice);
      const res = await sendJson('POST', p.at(`${PATHS.ownerDevice}/requests/${entry.id}/approve`), {});
      expect(res.status).toBe(401);
      expect((await alice.device.getRequest(entry.id)).status).toBe(200);
    });
  });

  describe('listing and reading', () => {
    it('shows the client name, binding message, scopes and expiry of a pending request, not the auth_req_id', async () => {
      const { authReqId, bm, entry } = await ask(alice);
      expect(typeof entry.id).toBe('string');
      expect(entry.id).not.toBe(authReqId);
      expect(entry.client_name).toBe('Car Rental Desk');
      expect(entry.binding_message).toBe(bm);
      expect(JSON.stringify(entry)).not.toContain(authReqId);
      const scope = Array.isArray(entry.scope) ? entry.scope : String(entry.scope ?? entry.scopes).split(' ');
      expect(scope).toEqual(expect.arrayContaining(['openid', 'email']));
      expect(entry.expires_at ?? entry.expires_in).toBeDefined();
    });

    it("lists only the owner's own requests", async () => {
      const { bm } = await ask(alice);
      const bobs = await bob.device.pending();
      expect(bobs.map((r) => r.binding_message)).not.toContain(bm);
    });

    it('reads one request by id', async () => {
      const { bm, entry } = await ask(alice);
      const res = await alice.device.getRequest(entry.id);
      expect(expectOk(res).binding_message).toBe(bm);
    });

    it("answers 404 for another owner's request and does not let them decide it", async () => {
      const { entry, authReqId } = await ask(alice);
      const peek = await bob.device.getRequest(entry.id);
      expect(peek.status).toBe(404);
      expect(typeof peek.json?.error).toBe('string');
      expect(peek.text).not.toContain(entry.binding_message);
      expect((await bob.device.decide(entry.id, 'approve')).status).toBe(404);
      expect((await bob.device.decide(entry.id, 'deny')).status).toBe(404);
      expect((await cibaToken(p, client, authReqId)).json.error).toBe('authorization_pending');
    });

    it('answers 404 for an unknown id', async () => {
      expect((await alice.device.getRequest('no-such-request')).status).toBe(404);
    });

    it('lets every device of the owner see and decide the request', async () => {
      const second = await addOwnerDevice(p, alice.sub, 'tablet');
      const { bm, entry, authReqId } = await ask(alice);
      expect((await second.pending()).map((r) => r.binding_message)).toContain(bm);
      expect((await second.decide(entry.id, 'approve')).status).toBeLessThan(300);
      expectOk(await cibaToken(p, client, authReqId));
    });
  });

  describe('user code', () => {
    it('lets the owner set their own user code, which user-code clients must then send', async () => {
      const owner = await createOwner(p);
      const codeClient = await registerClient(p, { metadata: { backchannel_user_code_parameter: true } });
      const url = p.at(`${PATHS.ownerDevice}/user-code`);
      const headers = { authorization: `Bearer ${owner.device.credential}` };
      expect((await sendJson('PUT', url, { user_code: '2468' }, headers)).status).toBe(204);
      const params = { scope: 'openid', login_hint: owner.email, binding_message: bindingMessage() };
      expect((await backchannel(p, codeClient, { ...params, user_code: '1357' })).json?.error).toBe(
        'invalid_user_code',
      );
      expect((await backchannel(p, codeClient, { ...params, user_code: '2468' })).status).toBe(200);
    });

    it('refuses to set a user code without a device credential or with a malformed body', async () => {
      const url = p.at(`${PATHS.ownerDevice}/user-code`);
      expect((await sendJson('PUT', url, { user_code: '2468' })).status).toBe(401);
      const headers = { authorization: `Bearer ${alice.device.credential}` };
      const bad = await sendJson('PUT', url, { user_code: 2468 }, headers);
      expect(bad.status).toBe(400);
      expect(bad.json?.error).toBe('invalid_request');
    });
  });

  describe('bodies', () => {
    it('refuses unknown fields in decision and user-code bodies, naming them and what the request takes', async () => {
      const { entry } = await ask(alice);
      const headers = { authorization: `Bearer ${alice.device.credential}` };
      const approve = await sendJson(
        'POST',
        p.at(`${PATHS.ownerDevice}/requests/${entry.id}/approve`),
        { acr: 'urn:onboard:acr:device', method: 'face' },
        headers,
      );
      expect(approve.status).toBe(400);
      expect(approve.json).toEqual({
        error: 'invalid_request',
        error_description: "unknown field 'method': this request takes acr, amr",
      });
      const deny = await sendJson(
        'POST',
        p.at(`${PATHS.ownerDevice}/requests/${entry.id}/deny`),
        { why: 'x' },
        headers,
      );
      expect(deny.json).toEqual({
        error: 'invalid_request',
        error_description: "unknown field 'why': this request takes reason",
      });
      const code = await sendJson('PUT', p.at(`${PATHS.ownerDevice}/user-code`), { code: '2468' }, headers);
      expect(code.status).toBe(400);
      expect(code.json.error_description).toBe("unknown field 'code': this request takes user_code");
      // nothing was decided by the refused calls
      expect((await alice.device.pending()).map((r) => r.id)).toContain(entry.id);
    });
  });

  describe('deciding', () => {
    it('approves once; a second decision is a 409 and the request leaves the pending list', async () => {
      const { entry, authReqId } = await ask(alice);
      expect((await alice.device.decide(entry.id, 'approve')).status).toBeLessThan(300);
      expect((await alice.device.decide(entry.id, 'approve')).status).toBe(409);
      expect((await alice.device.decide(entry.id, 'deny')).status).toBe(409);
      expect((await alice.device.pending()).map((r) => r.id)).not.toContain(entry.id);
      expectOk(await cibaToken(p, client, authReqId));
    });

    it('denies once; approving afterwards is a 409 and the client gets access_denied', async () => {
      const { entry, authReqId } = await ask(alice);
      expect((await alice.device.decide(entry.id, 'deny')).status).toBeLessThan(300);
      expect((await alice.device.decide(entry.id, 'approve')).status).toBe(409);
      expect((await cibaToken(p, client, authReqId)).json.error).toBe('access_denied');
    });

    it('lets exactly one of two concurrent approvals win', async () => {
      const { entry } = await ask(alice);
      const results = await Promise.all([
        alice.device.decide(entry.id, 'approve'),
        alice.device.decide(entry.id, 'approve'),
      ]);
      expect(results.map((r) => r.status < 300).filter(Boolean)).toHaveLength(1);
      expect(results.map((r) => r.status)).toContain(409);
    });

    it('drops an expired request from the list and refuses a decision on it', async () => {
      const { entry } = await ask(alice, { requested_expiry: '1' });
      await sleep(1500);
      expect((await alice.device.pending()).map((r) => r.id)).not.toContain(entry.id);
      const res = await alice.device.decide(entry.id, 'approve');
      expect([404, 409]).toContain(res.status);
    });

    it('answers an unknown decision verb with a 4xx', async () => {
      const { entry } = await ask(alice);
      const res = await send({
        method: 'POST',
        url: p.at(`${PATHS.ownerDevice}/requests/${entry.id}/maybe`),
        headers: { authorization: `Bearer ${alice.device.credential}` },
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });
  });

  describe('long polling', () => {
    it('wakes a waiting list call as soon as a new request arrives', async () => {
      const carol = await createOwner(p);
      const started = Date.now();
      const waiting = carol.device.list(10);
      await sleep(300);
      const bm = bindingMessage();
      const sentAt = Date.now();
      expectOk(await backchannel(p, client, { scope: 'openid', login_hint: carol.email, binding_message: bm }));
      const res = await waiting;
      expect(requestsOf(expectOk(res)).map((r: any) => r.binding_message)).toContain(bm);
      expect(Date.now() - sentAt).toBeLessThan(1500);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('returns an empty list when nothing arrives within the wait', async () => {
      const dave = await createOwner(p);
      const started = Date.now();
      const res = await dave.device.list(1);
      expect(requestsOf(expectOk(res))).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });

    it('returns at once when requests are already pending', async () => {
      await ask(alice);
      const started = Date.now();
      expect((await alice.device.pending(10)).length).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });

  describe('admin API', () => {
    it('refuses calls without the admin token', async () => {
      const res = await sendJson('POST', p.at(`${PATHS.admin}/owners`), { email: 'x@example.test' });
      expect(res.status).toBe(401);
      const wrong = await sendJson(
        'POST',
        p.at(`${PATHS.admin}/owners`),
        { email: 'x@example.test' },
        { authorization: 'Bearer wrong-admin-token-000' },
      );
      expect(wrong.status).toBe(401);
    });
  });
});
