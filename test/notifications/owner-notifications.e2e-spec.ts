import http from 'node:http';
import { createECDH, randomBytes } from 'node:crypto';
import { decrypt } from 'http_ece';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JSONWebKeySet } from 'jose';
import { PATHS, expireAuthRequest } from '@onboard/ciba-core';
import { get, sleep } from '../support/http';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import {
  backchannel,
  bindingMessage,
  createOwner,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { OwnerAppSession, inviteOwner } from '../support/owner-app';
import { NotificationListener } from '../support/notification-listener';

/** A browser's side of a push subscription (W3C Push API): its P-256 key pair and auth secret. */
function browserSubscription(endpoint: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16).toString('base64url');
  return {
    ecdh,
    auth,
    json: { endpoint, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth } },
  };
}

/** The VAPID public key (uncompressed point, base64url) as a JWK. */
function vapidJwk(key: string) {
  const point = Buffer.from(key, 'base64url');
  return {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33).toString('base64url'),
  };
}

// Owner notifications end to end (docs/notifications.md): Web Push to a local HTTP server
// standing in for the push service (payload decrypted here with the subscription's private
// key, the VAPID JWT verified), the signed webhook verified with the provider's JWKS, the
// durable announce-once record across a restart on the same SQLite file, and the live
// channel's `request.updated`.
describe('owner notifications', () => {
  let dir: string;
  let databaseFile: string;
  let p: TestProvider;
  let pushService: NotificationListener;
  let hooks: NotificationListener;
  let client: TestClient;
  let alice: TestOwner;
  let phone: OwnerAppSession;

  const ask = async (owner: TestOwner, on: TestClient = client) => {
    const bm = bindingMessage();
    const ack = await backchannel(p, on, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bm,
      ...(on.mode === 'ping' ? { client_notification_token: randomBytes(16).toString('hex') } : {}),
    });
    expect(ack.status).toBe(200);
    return { authReqId: ack.json.auth_req_id as string, bm };
  };
  const requestIdOf = async (session: OwnerAppSession, bm: string): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const entry = (await session.pending()).find((r) => r.binding_message === bm);
      if (entry) return entry.id as string;
      await sleep(20);
    }
    throw new Error('request not listed');
  };
  const subscribe = async (session: OwnerAppSession, path: string) => {
    const browser = browserSubscription(pushService.url(path));
    const res = await session.call('POST', '/push/subscriptions', { subscription: browser.json });
    expect(res.status).toBe(201);
    return browser;
  };

  beforeAll(async () => {
    dir = makeTempDir();
    databaseFile = `${dir}/onboard.sqlite`;
    pushService = await new NotificationListener().start();
    hooks = await new NotificationListener().start();
    p = await startProvider({ databaseFile });
    client = await registerClient(p, {
      metadata: { client_name: 'Harbour Bank', onboard_owner_notification_uri: hooks.url('/hook') },
    });
    alice = await createOwner(p);
    phone = new OwnerAppSession(p);
    const { token } = await inviteOwner(p, alice.sub);
    expect((await phone.enrol(token, 'Alice phone')).status).toBe(201);
  });
  afterAll(async () => {
    await p?.close();
    await pushService?.close();
    await hooks?.close();
    removeTempDir(dir);
  });

  describe('Web Push', () => {
    it('hands the signed-in app the VAPID public key, an uncompressed P-256 point', async () => {
      expect((await get(p.at(`${PATHS.ownerDevice}/push/key`))).status).toBe(401);
      const res = await phone.call('GET', '/push/key');
      expect(res.status).toBe(200);
      const key = Buffer.from(res.json.vapid_public_key, 'base64url');
      expect(key).toHaveLength(65);
      expect(key[0]).toBe(4);
    });

    it('refuses subscriptions whose endpoint is not https, whose keys are malformed, or without a session', async () => {
      const good = browserSubscription('https://push.example.net/send/abc').json;
      const bad = async (subscription: unknown) => {
        const res = await phone.call('POST', '/push/subscriptions', { subscription });
        expect(res.status).toBe(400);
        expect(res.json.error).toBe('invalid_request');
        return res.json.error_description as string;
      };
      expect(await bad({ ...good, endpoint: 'http://push.example.net/send/abc' })).toMatch(/https/);
      expect(await bad({ ...good, endpoint: 'https://10.0.0.8/send/abc' })).toMatch(/must not target/);
      expect(await bad({ ...good, keys: { ...good.keys, p256dh: 'AAAA' } })).toMatch(/p256dh/);
      const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
      expect(await bad({ ...good, keys: { ...good.keys, p256dh: offCurve } })).toMatch(/p256dh/);
      expect(await bad({ ...good, keys: { ...good.keys, auth: 'short' } })).toMatch(/auth/);
      expect(await bad({ endpoint: good.endpoint })).toMatch(/keys/);
      const anonymous = new OwnerAppSession(p);
      expect((await anonymous.call('POST', '/push/subscriptions', { subscription: good })).status).toBe(401);
    });

    it('pushes a new request to the subscription: encrypted (aes128gcm) for its keys, with a VAPID JWT for the push service', async () => {
      const browser = await subscribe(phone, '/push/alice');
      const { bm } = await ask(alice);
      const [push] = await pushService.waitFor('/push/alice');
      expect(push.method).toBe('POST');
      expect(push.headers['content-encoding']).toBe('aes128gcm');
      expect(push.headers.urgency).toBe('high');
      expect(Number(push.headers.ttl)).toBeGreaterThan(0);
      // RFC 8292 §3: `vapid t=<JWT>, k=<public key>`; the JWT names the push service's origin.
      const [, jwt, k] = /^vapid t=([^,]+), k=(.+)$/.exec(push.headers.authorization ?? '')!;
      expect(k).toBe((await phone.call('GET', '/push/key')).json.vapid_public_key);
      const { payload, protectedHeader } = await jwtVerify(jwt, await importJWK(vapidJwk(k), 'ES256'));
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload.aud).toBe(new URL(pushService.url()).origin);
      expect(payload.sub).toMatch(/^(mailto:|https:)/);
      // RFC 8291: only the browser (its private key and auth secret) can read the message.
      const clear = decrypt(push.raw, { version: 'aes128gcm', privateKey: browser.ecdh, authSecret: browser.auth });
      const message = JSON.parse(clear.toString('utf8'));
      expect(message).toEqual({
        type: 'request.created',
        request_id: await requestIdOf(phone, bm),
        client_name: 'Harbour Bank',
        binding_message: bm,
      });
      expect(push.text).not.toContain(bm);
    });

    it('drops a subscription the push service answers 410 Gone for', async () => {
      const bob = await createOwner(p);
      const bobPhone = new OwnerAppSession(p);
      expect((await bobPhone.enrol((await inviteOwner(p, bob.sub)).token)).status).toBe(201);
      await subscribe(bobPhone, '/push/bob');
      pushService.script('/push/bob', { status: 410 });
      await ask(bob);
      await pushService.waitFor('/push/bob');
      for (let i = 0; i < 100 && (await p.booted.ctx.stores.push.listSubscriptions(bob.sub)).length > 0; i++) {
        await sleep(20);
      }
      expect(await p.booted.ctx.stores.push.listSubscriptions(bob.sub)).toEqual([]);
      // Not retried, and nothing more is sent to it.
      await ask(bob);
      await sleep(300);
      expect(pushService.on('/push/bob')).toHaveLength(1);
    });

    it('drops the subscriptions of a removed device, and unsubscribes by endpoint', async () => {
      const carol = await createOwner(p);
      const first = new OwnerAppSession(p);
      const second = new OwnerAppSession(p);
      expect((await first.enrol((await inviteOwner(p, carol.sub)).token, 'Old phone')).status).toBe(201);
      expect((await second.enrol((await inviteOwner(p, carol.sub)).token, 'New phone')).status).toBe(201);
      await subscribe(first, '/push/carol-old');
      const kept = await subscribe(second, '/push/carol-new');
      const oldDevice = (await first.call('GET', '/session')).json.device.id as string;
      expect((await second.call('DELETE', `/devices/${encodeURIComponent(oldDevice)}`)).status).toBe(204);
      const endpoints = async () =>
        (await p.booted.ctx.stores.push.listSubscriptions(carol.sub)).map((s) => s.endpoint);
      expect(await endpoints()).toEqual([kept.json.endpoint]);
      const removed = await second.call('DELETE', '/push/subscriptions', { endpoint: kept.json.endpoint });
      expect(removed.status).toBe(204);
      expect(await endpoints()).toEqual([]);
    });
  });

  describe('webhook', () => {
    const jwks = async () => createLocalJWKSet((await get(p.at(PATHS.jwks))).json as JSONWebKeySet);

    it('POSTs a JWS signed with the provider key (kid in the JWKS) and retries it after a 503', async () => {
      const bank = await registerClient(p, {
        metadata: { client_name: 'Harbour Bank app', onboard_owner_notification_uri: hooks.url('/hook-retry') },
      });
      hooks.script('/hook-retry', { status: 503 }, { status: 204 });
      const { bm } = await ask(alice, bank);
      const [first, second] = await hooks.waitFor('/hook-retry', 2);
      expect(first.contentType).toBe('application/jwt');
      expect(second.text).toBe(first.text);
      const header = decodeProtectedHeader(second.text);
      expect(header).toMatchObject({ alg: 'ES256', typ: 'onboard-owner-notification+jwt' });
      expect(header.kid).toBeDefined();
      const { payload } = await jwtVerify(second.text, await jwks(), {
        issuer: p.issuer,
        audience: bank.clientId,
        typ: 'onboard-owner-notification+jwt',
      });
      expect(payload).toMatchObject({
        event: 'request.created',
        request_id: await requestIdOf(phone, bm),
        sub: alice.sub,
        client_id: bank.clientId,
        binding_message: bm,
      });
      await sleep(200);
      expect(hooks.on('/hook-retry')).toHaveLength(2);
      expect(typeof payload.jti).toBe('string');
      expect(payload.expires_at).toBeGreaterThan(payload.iat!);
    });

    it.each([400, 401])('does not retry after %i', async (status) => {
      const path = `/hook-${status}`;
      const other = await registerClient(p, { metadata: { onboard_owner_notification_uri: hooks.url(path) } });
      hooks.setDefault(path, { status });
      await ask(alice, other);
      await hooks.waitFor(path);
      await sleep(400);
      expect(hooks.on(path)).toHaveLength(1);
    });

    it('refuses a client notification URI that is not https or targets a private address', async () => {
      for (const uri of ['http://rp.example.com/hook', 'https://192.168.1.5/hook']) {
        await expect(registerClient(p, { metadata: { onboard_owner_notification_uri: uri } })).rejects.toThrow(
          /invalid_client_metadata/,
        );
      }
    });
  });

  describe('announce once', () => {
    it('announces a request once per subscription and webhook: again, nor after a restart on the same database', async () => {
      const dave = await createOwner(p);
      const davePhone = new OwnerAppSession(p);
      expect((await davePhone.enrol((await inviteOwner(p, dave.sub)).token)).status).toBe(201);
      await subscribe(davePhone, '/push/dave');
      const key = (await davePhone.call('GET', '/push/key')).json.vapid_public_key;
      const { bm } = await ask(dave);
      await pushService.waitFor('/push/dave');
      const id = await requestIdOf(davePhone, bm);
      const hooksFor = () => hooks.on('/hook').filter((n) => decodeJwt(n.text).request_id === id);
      for (let i = 0; i < 100 && hooksFor().length === 0; i++) await sleep(20);
      expect(hooksFor()).toHaveLength(1);
      // The notifier runs again (a retried announcement): nothing new is queued.
      await p.booted.ctx.notifier.notify((await p.booted.ctx.stores.authRequests.find(id))!);
      await p.close();
      p = await startProvider({ databaseFile });
      await p.booted.ctx.notifier.notify((await p.booted.ctx.stores.authRequests.find(id))!);
      await sleep(400);
      expect(pushService.on('/push/dave')).toHaveLength(1);
      expect(hooksFor()).toHaveLength(1);
      // The VAPID key survived the restart (the subscription is bound to it), and so did the session.
      const again = new OwnerAppSession(p, davePhone.phone);
      again.cookie = davePhone.cookie;
      expect((await again.call('GET', '/push/key')).json.vapid_public_key).toBe(key);
    });
  });

  describe('live channel', () => {
    it('tells every open app of the owner that a request was answered or expired (request.updated)', async () => {
      const erin = await createOwner(p);
      const erinPhone = new OwnerAppSession(p);
      expect((await erinPhone.enrol((await inviteOwner(p, erin.sub)).token)).status).toBe(201);
      const received: string[] = [];
      const stream = await new Promise<http.ClientRequest>((resolve, reject) => {
        const req = http.get(
          new URL(p.at(`${PATHS.ownerDevice}/events`)),
          { headers: { cookie: erinPhone.cookie!, accept: 'text/event-stream' } },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => received.push(chunk));
            resolve(req);
          },
        );
        req.on('error', reject);
      });
      try {
        const approved = await ask(erin);
        const denied = await ask(erin);
        const pinger = await registerClient(p, { mode: 'ping', notificationEndpoint: hooks.url('/ping') });
        const expiring = await ask(erin, pinger);
        const approvedId = await requestIdOf(erinPhone, approved.bm);

        const deniedId = await requestIdOf(erinPhone, denied.bm);
        expect((await erinPhone.approve(approvedId)).status).toBe(200);
        const deny = await erinPhone.call('POST', `/requests/${encodeURIComponent(deniedId)}/deny`, {});
        expect(deny.status).toBe(200);
        const updates = () =>
          [...received.join('').matchAll(/event: request\.updated\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]));
        // The expiry sweep's step for a ping request that outlived its lifetime.
        const expiringId = await requestIdOf(erinPhone, expiring.bm);
        const request = await p.booted.ctx.stores.authRequests.find(expiringId);
        expect(await expireAuthRequest(p.booted.ctx, request!)).toBe(true);
        for (let i = 0; i < 100 && updates().length < 3; i++) await sleep(20);
        expect(updates()).toEqual([
          { id: approvedId, status: 'approved' },
          { id: deniedId, status: 'denied' },
          { id: expiringId, status: 'expired' },
        ]);
      } finally {
        stream.destroy();
      }
    });
  });
});
