import http from 'node:http';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { decodeJwt } from 'jose';
import { PATHS } from '@onboard/ciba-core';
import { get, sendJson } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  backchannel,
  bindingMessage,
  cibaToken,
  createOwner,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { OwnerAppSession, inviteOwner } from '../support/owner-app';
import { verifyReceipt } from '@onboard/receipts';
import { authedPost } from '../support/fixtures';
import { NotificationListener } from '../support/notification-listener';

// The owner app's passkeys end to end over real HTTP: enrolment from a one-time invitation,
// discoverable sign-in, and approvals whose WebAuthn challenge commits to the request, all
// through the provider's real verification path (libs/soft-authenticator is the phone).
describe('owner app: passkeys', () => {
  let p: TestProvider;
  let client: TestClient;
  let alice: TestOwner;
  let phone: OwnerAppSession;

  const ask = async (owner: TestOwner, extra: Record<string, string> = {}) => {
    const bm = bindingMessage();
    const ack = await backchannel(p, client, {
      scope: 'openid email',
      login_hint: owner.email,
      binding_message: bm,
      ...extra,
    });
    expect(ack.status).toBe(200);
    return { authReqId: ack.json.auth_req_id as string, bm };
  };
  const pendingWith = async (session: OwnerAppSession, bm: string) => {
    const entry = (await session.pending()).find((r) => r.binding_message === bm);
    if (!entry) throw new Error('request not listed in the owner app');
    return entry;
  };

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    client = await registerClient(p, {
      metadata: { client_name: 'Car Rental Desk', logo_uri: 'https://rental.example/logo.png' },
    });
    alice = await createOwner(p);
    phone = new OwnerAppSession(p);
    const { token } = await inviteOwner(p, alice.sub);
    const enrolled = await phone.enrol(token, 'Alice phone');
    expect(enrolled.status).toBe(201);
  });
  afterAll(() => p?.close());

  describe('enrolment', () => {
    it('enrols a passkey from an invitation and signs the phone in with an HttpOnly, SameSite=Strict cookie', async () => {
      const other = await createOwner(p);
      const session = new OwnerAppSession(p);
      const { token, url } = await inviteOwner(p, other.sub);
      expect(url.startsWith(`${new URL(p.issuer).origin}/app/#/enrol/`)).toBe(true);
      const options = await session.call('POST', '/enrolment/options', { invitation: token });
      expect(options.status).toBe(200);
      expect(options.json.public_key.authenticatorSelection).toMatchObject({
        residentKey: 'preferred',
        userVerification: 'required',
      });
      expect(options.json.public_key.pubKeyCredParams.map((c: { alg: number }) => c.alg)).toEqual([-7, -8]);
      expect(options.json.public_key.rp.id).toBe(new URL(p.issuer).hostname);
      const credential = await session.phone.register(options.json.public_key, { origin: session.origin });
      const verified = await session.call('POST', '/enrolment/verify', {
        enrolment_id: options.json.enrolment_id,
        credential,
      });
      expect(verified.status).toBe(201);
      expect(verified.json.device).toMatchObject({ kind: 'passkey', current: true });
      expect(verified.headers['set-cookie']?.[0]).toMatch(
        /^onboard_session=[^;]+; Path=\/owner-device\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
      );
      expect((await session.call('GET', '/session')).json.owner.sub).toBe(other.sub);
    });

    it('refuses an invitation a second time', async () => {
      const other = await createOwner(p);
      const { token } = await inviteOwner(p, other.sub);
      expect((await new OwnerAppSession(p).enrol(token)).status).toBe(201);
      const again = await new OwnerAppSession(p).enrol(token);
      expect(again.status).toBe(400);
      expect(again.json).toMatchObject({ error: 'invalid_request' });
    });

    it('refuses a registration without user verification, and an EdDSA passkey is accepted', async () => {
      const other = await createOwner(p);
      const session = new OwnerAppSession(p);
      const { token } = await inviteOwner(p, other.sub);
      const options = await session.call('POST', '/enrolment/options', { invitation: token });
      const credential = await session.phone.register(options.json.public_key, {
        origin: session.origin,
        faults: { userNotVerified: true },
      });
      const refused = await session.call('POST', '/enrolment/verify', {
        enrolment_id: options.json.enrolment_id,
        credential,
      });
      expect(refused.status).toBe(400);
      const eddsa = OwnerAppSession.withAlgorithms(p, ['EdDSA']);
      expect((await eddsa.enrol(token)).status).toBe(201);
    });

    it('refuses an unknown field in the body, naming it', async () => {
      const res = await phone.call('POST', '/enrolment/options', { invitation: 'x', extra: 1 });
      expect(res.status).toBe(400);
      expect(res.json.error_description).toContain("'extra'");
    });
  });

  describe('sign-in and session', () => {
    it('signs in with the discoverable passkey, and signs out', async () => {
      const session = new OwnerAppSession(p, phone.phone);
      expect((await session.call('GET', '/session')).status).toBe(401);
      const signedIn = await session.signIn();
      expect(signedIn.status).toBe(200);
      expect(signedIn.json.owner.sub).toBe(alice.sub);
      expect((await session.call('GET', '/requests')).status).toBe(200);
      expect((await session.call('DELETE', '/session')).status).toBe(204);
      const after = await session.call('GET', '/requests');
      expect(after.status).toBe(401);
    });

    it('refuses a state-changing call without content-type application/json (cross-site forms)', async () => {
      const res = await phone.call('POST', '/invitations', {}, { 'content-type': 'text/plain' });
      expect(res.status).toBe(400);
    });
  });

  describe('approvals', () => {
    it('approves with a passkey assertion over the commitment; the ID token says acr passkey', async () => {
      const { authReqId, bm } = await ask(alice);
      const entry = await pendingWith(phone, bm);
      expect(entry.client).toMatchObject({ name: 'Car Rental Desk', logo_uri: 'https://rental.example/logo.png' });
      const approved = await phone.approve(entry.id);
      expect(approved.status).toBe(200);
      expect(approved.json.status).toBe('approved');
      const commitment = approved.commitment;
      expect(commitment).toMatchObject({
        auth_req_id_sha256: createHash('sha256').update(authReqId).digest('base64url'),
        client_id: client.clientId,
        binding_message: bm,
        scope: 'openid email',
      });
      const tokens = await cibaToken(p, client, authReqId);
      expect(tokens.status).toBe(200);
      const claims = decodeJwt(tokens.json.id_token);
      expect(claims.acr).toBe('urn:onboard:acr:passkey');
      expect(claims.amr).toEqual(['pop', 'user', 'mfa']);
      const assertion = await p.booted.ctx.stores.passkeys.findAssertion(entry.id);
      expect(assertion?.commitment).toBe(canonicalize(commitment));

      // The receipt: fetched by the client, verified offline with the JWKS alone.
      const res = await authedPost(p, client, '/receipts', { auth_req_id: authReqId });
      expect(res.status).toBe(200);
      const jwks = (await get(p.at(PATHS.jwks))).json;
      const verdict = await verifyReceipt(res.json.receipt, jwks);
      expect(verdict).toMatchObject({ ok: true, payload: { sub: alice.sub, aud: client.clientId, commitment } });
      const [h, body, sig] = res.json.receipt.split('.');
      const forged = JSON.parse(Buffer.from(body, 'base64url').toString());
      forged.commitment.binding_message = 'FORGED';
      const reSigned = `${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${sig}`;
      expect(await verifyReceipt(reSigned, jwks)).toMatchObject({ ok: false, check: 'provider_signature' });
      // Another client cannot fetch it.
      const other = await registerClient(p, {});
      expect((await authedPost(p, other, '/receipts', { auth_req_id: authReqId })).status).toBe(404);
    });

    it('hands the receipt inside the token response and the push payload to clients registered for it', async () => {
      const jwks = (await get(p.at(PATHS.jwks))).json;
      // Poll: the token response carries approval_receipt; a client not registered for it gets none.
      const withReceipts = await registerClient(p, { metadata: { onboard_approval_receipts: true } });
      const bm = bindingMessage();
      const ack = await backchannel(p, withReceipts, { scope: 'openid', login_hint: alice.email, binding_message: bm });
      const entry = await pendingWith(phone, bm);
      expect((await phone.approve(entry.id)).status).toBe(200);
      const tokens = await cibaToken(p, withReceipts, ack.json.auth_req_id);
      expect(tokens.status).toBe(200);
      const verdict = await verifyReceipt(tokens.json.approval_receipt, jwks);
      expect(verdict).toMatchObject({ ok: true, payload: { sub: alice.sub, aud: withReceipts.clientId } });
      const plain = await ask(alice);
      expect((await phone.approve((await pendingWith(phone, plain.bm)).id)).status).toBe(200);
      const plainTokens = await cibaToken(p, client, plain.authReqId);
      expect(plainTokens.status).toBe(200);
      expect(plainTokens.json.approval_receipt).toBeUndefined();
      // A bearer-device approval has no passkey evidence, so no receipt even when registered.
      const bearerBm = bindingMessage();
      const bearerAck = await backchannel(p, withReceipts, {
        scope: 'openid',
        login_hint: alice.email,
        binding_message: bearerBm,
      });
      await alice.device.approve(bearerBm);
      const bearerTokens = await cibaToken(p, withReceipts, bearerAck.json.auth_req_id);
      expect(bearerTokens.status).toBe(200);
      expect(bearerTokens.json.approval_receipt).toBeUndefined();

      // Push: the receipt rides in the push payload next to the tokens.
      const listener = await new NotificationListener().start();
      try {
        const pushClient = await registerClient(p, {
          mode: 'push',
          notificationEndpoint: listener.url('/push'),
          metadata: { onboard_approval_receipts: true },
        });
        const pushBm = bindingMessage();
        const pushAck = await backchannel(p, pushClient, {
          scope: 'openid',
          login_hint: alice.email,
          binding_message: pushBm,
          client_notification_token: 'push-notification-token-0123456789',
        });
        expect((await phone.approve((await pendingWith(phone, pushBm)).id)).status).toBe(200);
        const [push] = await listener.waitFor('/push');
        expect(push.json).toMatchObject({ auth_req_id: pushAck.json.auth_req_id, token_type: expect.any(String) });
        const pushVerdict = await verifyReceipt(push.json.approval_receipt, jwks);
        expect(pushVerdict).toMatchObject({
          ok: true,
          payload: { aud: pushClient.clientId, commitment: { binding_message: pushBm } },
        });
      } finally {
        await listener.close();
      }
    });

    it('cannot approve a request whose binding message changed after the challenge was issued', async () => {
      const { bm } = await ask(alice);
      const entry = await pendingWith(phone, bm);
      const options = await phone.call('POST', `/requests/${entry.id}/approval/options`, {});
      await p.booted.ctx.stores.authRequests.transition(entry.id, 'pending', { bindingMessage: 'CHANGED' });
      const credential = await phone.phone.authenticate(options.json.public_key, { origin: phone.origin });
      const res = await phone.call('POST', `/requests/${entry.id}/approve`, { credential });
      expect(res.status).toBe(409);
      expect((await p.booted.ctx.stores.authRequests.find(entry.id))?.status).toBe('pending');
    });

    it('refuses an assertion without user verification, and one with a tampered signature', async () => {
      const { bm } = await ask(alice);
      const entry = await pendingWith(phone, bm);
      expect((await phone.approve(entry.id, { userNotVerified: true })).status).toBe(403);
      expect((await phone.approve(entry.id, { tamperedSignature: true })).status).toBe(403);
      expect((await p.booted.ctx.stores.authRequests.find(entry.id))?.status).toBe('pending');
    });

    it("refuses another owner's passkey, and an assertion without its options", async () => {
      const bob = await createOwner(p);
      const bobPhone = new OwnerAppSession(p);
      expect((await bobPhone.enrol((await inviteOwner(p, bob.sub)).token)).status).toBe(201);
      const { bm } = await ask(alice);
      const entry = await pendingWith(phone, bm);
      // Bob cannot see Alice's request…
      expect((await bobPhone.call('POST', `/requests/${entry.id}/approval/options`, {})).status).toBe(404);
      // …nor sign Alice's challenge with his passkey in Alice's session.
      const options = await phone.call('POST', `/requests/${entry.id}/approval/options`, {});
      const allow = { ...options.json.public_key, allowCredentials: undefined };
      const bobsCredential = await bobPhone.phone.authenticate(allow, { origin: phone.origin });
      expect((await phone.call('POST', `/requests/${entry.id}/approve`, { credential: bobsCredential })).status).toBe(
        403,
      );
      // The challenge was spent by that attempt: an assertion without fresh options is refused.
      const replay = await phone.phone.authenticate(options.json.public_key, { origin: phone.origin });
      expect((await phone.call('POST', `/requests/${entry.id}/approve`, { credential: replay })).status).toBe(400);
    });

    it('a bearer-credential device cannot claim the passkey acr', async () => {
      const { bm } = await ask(alice);
      const entry = (await alice.device.pending()).find((r: { binding_message: string }) => r.binding_message === bm);
      const res = await sendJson(
        'POST',
        p.at(`${PATHS.ownerDevice}/requests/${entry.id}/approve`),
        { acr: 'urn:onboard:acr:passkey' },
        { authorization: `Bearer ${alice.device.credential}` },
      );
      expect(res.status).toBe(400);
    });

    it('"this wasn\'t me" denies, and the client reads why', async () => {
      const { authReqId, bm } = await ask(alice);
      const entry = await pendingWith(phone, bm);
      const denied = await phone.call('POST', `/requests/${entry.id}/deny`, { reason: 'not_me' });
      expect(denied.status).toBe(200);
      expect(denied.json.status).toBe('denied');
      const tokens = await cibaToken(p, client, authReqId);
      expect(tokens.status).toBe(400);
      expect(tokens.json).toEqual({
        error: 'access_denied',
        error_description: 'the owner reported that they did not make this request',
      });
    });
  });

  describe('devices', () => {
    it('adds a device from a signed-in phone, lists both, and a removed passkey can neither sign in nor approve', async () => {
      const invitation = await phone.call('POST', '/invitations', {});
      expect(invitation.status).toBe(201);
      const token = invitation.json.url.split('#/enrol/')[1];
      const second = new OwnerAppSession(p);
      expect((await second.enrol(token, 'Tablet')).status).toBe(201);
      const devices = (await phone.call('GET', '/devices')).json.devices;
      const tablet = devices.find((d: { name: string }) => d.name === 'Tablet');
      expect(tablet).toMatchObject({ kind: 'passkey', current: false });
      expect(devices.some((d: { kind: string }) => d.kind === 'credential')).toBe(true);
      const { bm } = await ask(alice);
      const entry = await pendingWith(second, bm);
      const options = await second.call('POST', `/requests/${entry.id}/approval/options`, {});
      expect((await phone.call('DELETE', `/devices/${tablet.id}`)).status).toBe(204);
      const credential = await second.phone.authenticate(options.json.public_key, { origin: second.origin });
      expect((await second.call('POST', `/requests/${entry.id}/approve`, { credential })).status).toBe(401);
      second.cookie = undefined;
      const signIn = await second.call('POST', '/session/options', {});
      const assertion = await second.phone.authenticate(signIn.json.public_key, { origin: second.origin });
      const res = await second.call('POST', '/session/verify', {
        challenge_id: signIn.json.challenge_id,
        credential: assertion,
      });
      expect(res.status).toBe(403);
    });
  });

  describe('live channel', () => {
    it('announces a new request at once to the open app (Server-Sent Events), and refuses without a session', async () => {
      expect((await get(p.at(`${PATHS.ownerDevice}/events`))).status).toBe(401);
      const url = new URL(p.at(`${PATHS.ownerDevice}/events`));
      const received: string[] = [];
      const opened = new Promise<http.ClientRequest>((resolve, reject) => {
        const req = http.get(url, { headers: { cookie: phone.cookie!, accept: 'text/event-stream' } }, (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toBe('text/event-stream');
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => received.push(chunk));
          resolve(req);
        });
        req.on('error', reject);
      });
      const stream = await opened;
      try {
        const { bm } = await ask(alice);
        for (let i = 0; i < 50 && !received.join('').includes(bm); i++) await new Promise((r) => setTimeout(r, 20));
        const text = received.join('');
        expect(text).toContain('event: request.created');
        const data = JSON.parse(/event: request.created\ndata: (.*)\n/.exec(text)![1]);
        expect(data).toMatchObject({ binding_message: bm, status: 'pending', client: { name: 'Car Rental Desk' } });
      } finally {
        stream.destroy();
      }
    });
  });

  describe('the app', () => {
    it('redirects /app to /app/', async () => {
      const res = await get(p.at('/app'));
      expect(res.status).toBe(308);
      expect(res.headers.location).toBe('/app/');
    });
  });
});
