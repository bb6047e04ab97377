import { randomBytes } from 'node:crypto';
import { startProvider, type TestProvider } from '../support/provider';
import { NotificationListener } from '../support/notification-listener';
import {
  backchannel,
  bindingMessage,
  cibaToken,
  createOwner,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOAuthError, expectOk, verifyProviderJwt } from '../support/expect';
import { halfHash } from '../support/jose-helpers';
import { sleep } from '../support/http';

const notificationToken = () => randomBytes(24).toString('base64url');

// Ping (CIBA §10.2) and push (CIBA §10.3, §12) received by a real HTTP listener.
describe('ping and push notifications (CIBA §10.2, §10.3, §12)', () => {
  let p: TestProvider;
  let listener: NotificationListener;
  let owner: TestOwner;

  beforeAll(async () => {
    listener = await new NotificationListener().start();
    p = await startProvider({ inMemory: true, env: { NOTIFICATION_BACKOFF_MS: '50', NOTIFICATION_MAX_ATTEMPTS: '4' } });
    owner = await createOwner(p);
  });
  afterAll(async () => {
    await p?.close();
    await listener?.close();
  });

  async function request(client: TestClient, extra: Record<string, string> = {}) {
    const bm = bindingMessage();
    const token = notificationToken();
    const ack = expectOk(
      await backchannel(p, client, {
        scope: 'openid offline_access',
        login_hint: owner.email,
        binding_message: bm,
        client_notification_token: token,
        ...extra,
      }),
    );
    return { authReqId: ack.auth_req_id as string, bm, token, ack };
  }

  describe('ping mode', () => {
    it('POSTs only the auth_req_id with the Bearer client_notification_token, then the token endpoint issues', async () => {
      const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/ping-ok') });
      const { authReqId, bm, token } = await request(client);
      expect(listener.on('/ping-ok')).toHaveLength(0);
      await owner.device.approve(bm);
      const [ping] = await listener.waitFor('/ping-ok');
      expect(ping.method).toBe('POST');
      expect(ping.authorization).toBe(`Bearer ${token}`);
      expect(ping.contentType).toMatch(/^application\/json/);
      expect(ping.json).toEqual({ auth_req_id: authReqId });
      const tokens = expectOk(await cibaToken(p, client, authReqId));
      expect(typeof tokens.access_token).toBe('string');
      await sleep(300);
      expect(listener.on('/ping-ok')).toHaveLength(1); // delivered once, not repeated
    });

    it('survives a client endpoint that answers with a huge body', async () => {
      listener.setDefault('/ping-huge', {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: 'x'.repeat(4 * 1024 * 1024),
      });
      const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/ping-huge') });
      const { authReqId, bm } = await request(client);
      await owner.device.approve(bm);
      await listener.waitFor('/ping-huge');
      expectOk(await cibaToken(p, client, authReqId));
    });

    it('pings on denial too, and the token endpoint then answers access_denied', async () => {
      const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/ping-deny') });
      const { authReqId, bm, token } = await request(client);
      await owner.device.deny(bm);
      const [ping] = await listener.waitFor('/ping-deny');
      expect(ping.authorization).toBe(`Bearer ${token}`);
      expect(ping.json).toEqual({ auth_req_id: authReqId });
      expectOAuthError(await cibaToken(p, client, authReqId), 400, 'access_denied');
    });

    it('still completes when the client endpoint answers 200 with a body', async () => {
      listener.script('/ping-body', { status: 200, headers: { 'content-type': 'text/plain' }, body: 'thanks!' });
      const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/ping-body') });
      const { authReqId, bm } = await request(client);
      await owner.device.approve(bm);
      await listener.waitFor('/ping-body');
      expectOk(await cibaToken(p, client, authReqId));
      await sleep(300);
      expect(listener.on('/ping-body')).toHaveLength(1);
    });

    it('does not retry after a 401, and the flow still completes', async () => {
      listener.setDefault('/ping-401', { status: 401 });
      const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/ping-401') });
      const { authReqId, bm } = await request(client);
      await owner.device.approve(bm);
      await listener.waitFor('/ping-401');
      await sleep(2500); // well past backoff (50 ms) and the worker's 1 s scan
      expect(listener.on('/ping-401')).toHaveLength(1);
      expectOk(await cibaToken(p, client, authReqId));
    });

    it('retries after a 500 with the same body and Bearer token', async () => {
      listener.script('/ping-500', { status: 500 }, { status: 503 });
      const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/ping-500') });
      const { authReqId, bm, token } = await request(client);
      await owner.device.approve(bm);
      const calls = await listener.waitFor('/ping-500', 3, 8000);
      for (const call of calls) {
        expect(call.authorization).toBe(`Bearer ${token}`);
        expect(call.json).toEqual({ auth_req_id: authReqId });
      }
      await sleep(1500);
      expect(listener.on('/ping-500')).toHaveLength(3); // delivered on the third, then never again
    });

    it('gives up after the configured number of attempts', async () => {
      listener.setDefault('/ping-down', { status: 500 });
      const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/ping-down') });
      const { bm } = await request(client);
      await owner.device.approve(bm);
      await listener.waitFor('/ping-down', 4, 15_000);
      await sleep(2500);
      expect(listener.on('/ping-down')).toHaveLength(4);
    }, 25_000);

    it('retries after the client endpoint timed out', async () => {
      // NOTIFICATION_TIMEOUT_MS is 2000 in the test provider.
      listener.script('/ping-slow', { status: 204, delayMs: 3000 });
      const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/ping-slow') });
      const { authReqId, bm } = await request(client);
      await owner.device.approve(bm);
      const calls = await listener.waitFor('/ping-slow', 2, 10_000);
      expect(calls[1].json).toEqual({ auth_req_id: authReqId });
    }, 15_000);

    it('never follows a redirect', async () => {
      listener.setDefault('/ping-redirect', {
        status: 301,
        headers: { location: listener.url('/ping-redirect-target') },
      });
      listener.setDefault('/ping-307', { status: 307, headers: { location: listener.url('/ping-redirect-target') } });
      for (const path of ['/ping-redirect', '/ping-307']) {
        const client = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url(path) });
        const { authReqId, bm } = await request(client);
        await owner.device.approve(bm);
        await listener.waitFor(path);
        expectOk(await cibaToken(p, client, authReqId));
      }
      await sleep(1500);
      expect(listener.on('/ping-redirect-target')).toHaveLength(0);
    });

    it('does not call poll-mode clients', async () => {
      const client = await registerClient(p, { mode: 'poll' });
      const bm = bindingMessage();
      const ack = expectOk(
        await backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: bm }),
      );
      await owner.device.approve(bm);
      expectOk(await cibaToken(p, client, ack.auth_req_id));
      const before = listener.received.length;
      await sleep(300);
      expect(listener.received.length).toBe(before);
    });
  });

  describe('push mode', () => {
    it('delivers tokens whose ID token carries at_hash, rt_hash and auth_req_id, all of which verify', async () => {
      const client = await registerClient(p, { mode: 'push', notificationEndpoint: listener.url('/push-ok') });
      const { authReqId, bm, token } = await request(client);
      await owner.device.approve(bm);
      const [push] = await listener.waitFor('/push-ok');
      expect(push.authorization).toBe(`Bearer ${token}`);
      expect(push.contentType).toMatch(/^application\/json/);
      const body = push.json;
      expect(body.auth_req_id).toBe(authReqId);
      expect(body.token_type).toMatch(/^bearer$/i);
      expect(body.expires_in).toBeGreaterThan(0);
      expect(typeof body.access_token).toBe('string');
      expect(typeof body.refresh_token).toBe('string');

      // CIBA §10.3.1: validate the ID token and its hashes independently.
      const { payload, header } = await verifyProviderJwt(p, body.id_token, { audience: client.clientId });
      expect(payload.sub).toBe(owner.sub);
      expect(payload['urn:openid:params:jwt:claim:auth_req_id']).toBe(authReqId);
      expect(payload.at_hash).toBe(halfHash(body.access_token, header.alg));
      expect(payload['urn:openid:params:jwt:claim:rt_hash']).toBe(halfHash(body.refresh_token, header.alg));
      // The access token is one the provider signed for this client.
      const at = await verifyProviderJwt(p, body.access_token);
      expect(at.payload.client_id).toBe(client.clientId);
    });

    it('sends the push error payload (§12) on denial, without tokens', async () => {
      const client = await registerClient(p, { mode: 'push', notificationEndpoint: listener.url('/push-deny') });
      const { authReqId, bm, token } = await request(client);
      await owner.device.deny(bm);
      const [push] = await listener.waitFor('/push-deny');
      expect(push.authorization).toBe(`Bearer ${token}`);
      expect(push.json.error).toBe('access_denied');
      expect(push.json.auth_req_id).toBe(authReqId);
      expect(push.json.access_token).toBeUndefined();
      expect(push.json.id_token).toBeUndefined();
      expect(Object.keys(push.json).sort()).toEqual(expect.arrayContaining(['auth_req_id', 'error']));
      for (const key of Object.keys(push.json)) expect(['auth_req_id', 'error', 'error_description']).toContain(key);
    });

    it('sends expired_token (§12) when the request expires undecided', async () => {
      const client = await registerClient(p, { mode: 'push', notificationEndpoint: listener.url('/push-expire') });
      const { authReqId } = await request(client, { requested_expiry: '1' });
      const [push] = await listener.waitFor('/push-expire', 1, 15_000);
      expect(push.json.error).toBe('expired_token');
      expect(push.json.auth_req_id).toBe(authReqId);
    }, 20_000);
  });
});
