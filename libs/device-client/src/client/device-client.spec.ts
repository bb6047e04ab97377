import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import {
  calculateJwkThumbprint,
  compactDecrypt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
} from 'jose';
import { MemoryKeyStore } from '../keys/memory-key-store';
import { DeviceClientError } from '../errors';
import { ScriptedBridge, TEST_AUDIENCE, TEST_ISSUER, claimsOf, type TokenTweaks } from '../testing.spec-helper';
import { connect, type DeviceClient, type DeviceClientOptions } from './device-client';

const DEVICE_ID = 'hu-test-1';
const FAST_RECONNECT = { minMs: 20, maxMs: 60 };

describe('DeviceClient against a scripted bridge on a real aedes broker', () => {
  let keys: MemoryKeyStore;
  let bridge: ScriptedBridge;
  const clients: DeviceClient[] = [];

  beforeAll(async () => {
    keys = await MemoryKeyStore.generate();
  });

  beforeEach(async () => {
    bridge = await ScriptedBridge.start({ deviceId: DEVICE_ID, publicJwks: await keys.getPublicJwks() });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await bridge.close();
  });

  async function start(over: Partial<DeviceClientOptions> = {}): Promise<DeviceClient> {
    const client = await connect({
      url: bridge.url,
      deviceId: DEVICE_ID,
      keys,
      audience: TEST_AUDIENCE,
      bridgeEncryptionKey: bridge.encryptionKey,
      providerIssuer: TEST_ISSUER,
      providerJwks: bridge.provider.jwks,
      reconnect: FAST_RECONNECT,
      ...over,
    });
    clients.push(client);
    return client;
  }

  const ask = (client: DeviceClient, over: Record<string, unknown> = {}) =>
    client.requestOwnerVerification({
      loginHint: 'owner@example.test',
      bindingMessage: 'Pair car 7F3A',
      scope: 'openid',
      ...over,
    });

  async function firstRequestId(): Promise<string> {
    await bridge.until(() => bridge.messages('verification').length > 0, 'a verification request');
    return bridge.messages('verification')[0].body.request_id;
  }

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeviceClientError);
    return (err as DeviceClientError).code;
  }

  describe('connecting', () => {
    it('connects with the device id as client id and user name and a valid connect credential', async () => {
      const client = await start();
      expect(client.connected).toBe(true);
      expect(bridge.jtis).toHaveLength(1);
    });

    it('rejects with not_authorized when the broker answers CONNACK 5', async () => {
      bridge.refusals.push(5);
      await expect(codeOf(start())).resolves.toBe('not_authorized');
    });

    it('rejects with connection_refused when the broker answers CONNACK 4', async () => {
      bridge.refusals.push(4);
      await expect(codeOf(start())).resolves.toBe('connection_refused');
    });

    it('retries a broker that is unavailable at first (CONNACK 3) and connects', async () => {
      bridge.refusals.push(3, 3);
      const client = await start();
      expect(client.connected).toBe(true);
      expect(bridge.jtis).toHaveLength(1);
    });

    it('gives up with connection_failed when nothing listens before the connect timeout', async () => {
      const url = bridge.url;
      await bridge.close();
      const attempt = connect({
        url,
        deviceId: DEVICE_ID,
        keys,
        audience: TEST_AUDIENCE,
        bridgeEncryptionKey: bridge.encryptionKey,
        providerIssuer: TEST_ISSUER,
        providerJwks: bridge.provider.jwks,
        reconnect: FAST_RECONNECT,
        connectTimeoutMs: 200,
      });
      const err = (await attempt.catch((e: unknown) => e)) as DeviceClientError;
      expect(err.code).toBe('connection_failed');
      // the URL tried and the socket's own reason, not a bare "connection failed"
      expect(err.message).toMatch(
        new RegExp(
          `^no connection to ${url.replace(/[.]/g, '\\.')} within 200 ms; last attempt: connection attempt to ${url.replace(/[.]/g, '\\.')} failed: connect ECONNREFUSED`,
        ),
      );
      bridge = await ScriptedBridge.start({ deviceId: DEVICE_ID, publicJwks: await keys.getPublicJwks() });
    });

    it('names the JWKS URL and the network cause when the provider JWKS cannot be fetched', async () => {
      // a port nothing listens on any more
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      await new Promise((resolve) => server.close(resolve));
      const providerJwksUri = `http://127.0.0.1:${port}/jwks?x=1`;
      const expected = `the provider JWKS at http://127.0.0.1:${port}/jwks could not be fetched: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`;

      // looking for the request-object encryption key, before anything is published
      const client = await start({ providerJwks: undefined, providerJwksUri });
      const early = (await ask(client).result.catch((e: unknown) => e)) as DeviceClientError;
      expect([early.code, early.message]).toEqual(['provider_error', expected]);

      // verifying the ID token of a result
      const signedOnly = await start({ providerJwks: undefined, providerJwksUri, providerEncryptionKey: false });
      const handle = ask(signedOnly);
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      await bridge.approve(id);
      const late = (await handle.result.catch((e: unknown) => e)) as DeviceClientError;
      expect([late.code, late.message]).toEqual(['provider_error', expected]);
    });

    it('reconnects after a lost connection with a fresh credential (a new jti per connect)', async () => {
      const client = await start();
      const events: string[] = [];
      client.on('offline', () => events.push('offline'));
      client.on('online', () => events.push('online'));
      bridge.dropConnections();
      await bridge.until(() => bridge.jtis.length === 2 && client.connected, 'the reconnect');
      bridge.dropConnections();
      await bridge.until(() => bridge.jtis.length === 3 && client.connected, 'the second reconnect');
      expect(new Set(bridge.jtis).size).toBe(3);
      expect(events).toEqual(['offline', 'online', 'offline', 'online']);
    });

    it('stops and fails pending requests with not_authorized when a reconnect gets CONNACK 5', async () => {
      const client = await start();
      bridge.autoAck = false;
      const handle = ask(client);
      await firstRequestId();
      const errors: string[] = [];
      client.on('connectionError', (e) => errors.push(e.code));
      bridge.refusals.push(5);
      bridge.dropConnections();
      await expect(codeOf(handle.result)).resolves.toBe('not_authorized');
      expect(errors).toContain('not_authorized');
      expect(client.connected).toBe(false);
    });
  });

  describe('a verification request', () => {
    it('publishes a signed CIBA request object and client assertion with the protocol members', async () => {
      const client = await start();
      ask(client, {
        userCode: '1234',
        requestedExpiry: 300,
        authorizationDetails: [{ type: 'vehicle_pairing', vehicle: '7F3A' }],
        scope: 'openid vehicle:pair',
      });
      const id = await firstRequestId();
      const body = bridge.messages('verification')[0].body;
      expect(Object.keys(body).sort()).toEqual([
        'client_assertion',
        'client_notification_token',
        'request',
        'request_id',
      ]);
      // docs/protocol.md §5a: it arrived sealed to the bridge
      expect(bridge.sealed).toContain('verification');
      const sig = (await keys.getPublicJwks()).keys.find((k) => k.use === 'sig')!;
      const key = await importJWK(sig, 'ES256');
      const { payload, protectedHeader } = await jwtVerify(body.request, key, {
        issuer: DEVICE_ID,
        audience: TEST_ISSUER,
      });
      expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: sig.kid });
      expect(payload).toMatchObject({
        scope: 'openid vehicle:pair',
        login_hint: 'owner@example.test',
        binding_message: 'Pair car 7F3A',
        user_code: '1234',
        requested_expiry: 300,
        authorization_details: [{ type: 'vehicle_pairing', vehicle: '7F3A' }],
        dpop_jkt: await calculateJwkThumbprint(sig, 'sha256'),
      });
      expect(payload.nbf).toBe(payload.iat);
      expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(3600);
      expect(typeof payload.jti).toBe('string');
      // CIBA §7.1: at least 128 bits of entropy
      expect(Buffer.from(payload.client_notification_token as string, 'base64url').length).toBeGreaterThanOrEqual(16);
      const assertion = await jwtVerify(body.client_assertion, key, { issuer: DEVICE_ID, audience: TEST_ISSUER });
      expect(assertion.payload.sub).toBe(DEVICE_ID);
      expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    });

    it('uses a fresh client_notification_token and jti for every request', async () => {
      const client = await start();
      ask(client);
      ask(client, { loginHint: 'other@example.test' });
      await bridge.until(() => bridge.messages('verification').length === 2, 'two requests');
      const [a, b] = bridge.messages('verification').map((m) => claimsOf(m.body.request));
      expect(a.client_notification_token).not.toBe(b.client_notification_token);
      expect(a.jti).not.toBe(b.jti);
    });

    it('refuses a request without exactly one hint or without openid, before publishing', async () => {
      const client = await start();
      expect(() => ask(client, { idTokenHint: 'x' })).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }) as unknown as Error,
      );
      expect(() => ask(client, { scope: 'profile' })).toThrow(DeviceClientError);
      await new Promise((r) => setTimeout(r, 50));
      expect(bridge.messages('verification')).toHaveLength(0);
    });

    it('resolves with verified tokens after the ack and an approved result, and confirms with result-ack', async () => {
      const client = await start();
      const handle = ask(client);
      const acks: unknown[] = [];
      const statuses: string[] = [];
      handle.on('ack', (a) => acks.push(a));
      handle.on('status', (s) => statuses.push(s));
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      const sent = await bridge.approve(id);
      const tokens = await handle.result;
      expect(tokens).toMatchObject({
        accessToken: sent.accessToken,
        refreshToken: sent.refreshToken,
        idToken: sent.idToken,
        tokenType: 'DPoP',
        expiresIn: 300,
        scope: 'openid',
      });
      expect(tokens.claims.sub).toBe('owner-1');
      expect(acks).toEqual([{ authReqId: handle.authReqId, expiresIn: 120 }]);
      expect(statuses).toEqual(['pending']);
      await bridge.until(() => bridge.ledger.get(id)!.resultAcked, 'the result-ack');
      expect(bridge.messages('result-ack').map((m) => m.body)).toEqual([{ request_id: id }]);
    });

    it('correlates replies by request_id when several requests are in flight', async () => {
      const client = await start();
      const first = ask(client);
      const second = ask(client, { loginHint: 'second@example.test' });
      await bridge.until(() => bridge.messages('verification').length === 2, 'two requests');
      await bridge.until(() => !!first.authReqId && !!second.authReqId, 'both acks');
      expect(first.authReqId).not.toBe(second.authReqId);
      // answered in the opposite order
      await bridge.deny(second.requestId);
      const sent = await bridge.approve(first.requestId);
      await expect(codeOf(second.result)).resolves.toBe('access_denied');
      await expect(first.result).resolves.toMatchObject({ accessToken: sent.accessToken });
    });

    it('hands a redelivered result to the caller once and confirms each copy', async () => {
      const client = await start();
      const handle = ask(client);
      const unclaimed: unknown[] = [];
      client.on('unclaimedResult', (r) => unclaimed.push(r));
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      await bridge.approve(id);
      await handle.result;
      const stored = bridge.ledger.get(id)!.result!;
      await bridge.send('result', stored);
      await bridge.send('ack', bridge.ledger.get(id)!.ack!);
      await bridge.until(() => bridge.messages('result-ack').length >= 2, 'a second result-ack');
      expect(unclaimed).toEqual([]);
    });

    it('emits the ack once even when the acknowledgement is repeated', async () => {
      const client = await start();
      const handle = ask(client);
      let acks = 0;
      handle.on('ack', () => acks++);
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      await bridge.send('ack', bridge.ledger.get(id)!.ack!);
      await bridge.send('ack', { request_id: id, auth_req_id: 'another', expires_in: 60 });
      await bridge.approve(id);
      await handle.result;
      expect(acks).toBe(1);
      expect(handle.authReqId).not.toBe('another');
    });

    it('maps a result error to its typed code and keeps the wire code', async () => {
      const client = await start();
      const handle = ask(client);
      const id = await firstRequestId();
      await bridge.deny(id, 'unknown_user_id', 'failed');
      const err = (await handle.result.catch((e: unknown) => e)) as DeviceClientError;
      expect(err.code).toBe('unknown_user');
      expect(err.protocolCode).toBe('unknown_user_id');
      expect(err.requestId).toBe(id);
      await bridge.until(() => bridge.ledger.get(id)!.resultAcked, 'the result-ack of the error');
    });

    it('rejects with protocol_error when the bridge reports request_id_reused', async () => {
      const client = await start();
      bridge.autoAck = false;
      const handle = ask(client);
      const id = await firstRequestId();
      await bridge.send('error', { request_id: id, error: 'request_id_reused', error_description: 'x' });
      await expect(codeOf(handle.result)).resolves.toBe('protocol_error');
    });

    it('retries with the same request_id after temporarily_unavailable', async () => {
      const client = await start();
      bridge.autoAck = false;
      let seen = 0;
      bridge.onVerification = (m) => {
        seen++;
        if (seen === 1) {
          void bridge.send('error', {
            request_id: m.body.request_id,
            error: 'temporarily_unavailable',
            error_description: 'provider down',
          });
        } else void bridge.ack(m.body.request_id);
      };
      const handle = ask(client);
      await bridge.until(() => handle.authReqId !== undefined, 'the ack after the retry');
      const [a, b] = bridge.messages('verification');
      expect(b.body.request).toBe(a.body.request);
      await bridge.approve(handle.requestId);
      await expect(handle.result).resolves.toMatchObject({ tokenType: 'DPoP' });
    });

    it('times out with timeout when no ack arrives, and tells the bridge to drop the request', async () => {
      const client = await start({ ackTimeoutMs: 150 });
      bridge.autoAck = false;
      const handle = ask(client);
      const id = await firstRequestId();
      await expect(codeOf(handle.result)).resolves.toBe('timeout');
      await bridge.until(() => bridge.messages('cancel').length === 1, 'the cancel');
      expect(bridge.messages('cancel')[0].body).toEqual({ request_id: id });
    });

    it('times out after the acknowledged expires_in plus the grace when no result comes', async () => {
      const client = await start({ resultGraceMs: 100 });
      bridge.autoAck = false;
      bridge.onVerification = (m) => void bridge.ack(m.body.request_id, 'areq-short', 1);
      const handle = ask(client);
      const started = Date.now();
      await expect(codeOf(handle.result)).resolves.toBe('timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });
  });

  describe('resuming after a reconnect', () => {
    it('encrypts the signed request object to the provider key (RFC 9101 §6.1), with the notification token beside it', async () => {
      const provider = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' });
      const providerEncryptionKey = { ...(await exportJWK(provider.publicKey)), kid: 'op-enc', use: 'enc' };
      const client = await start({ providerEncryptionKey });
      ask(client);
      await firstRequestId();
      const body = bridge.messages('verification')[0].body;
      expect(body.request.split('.')).toHaveLength(5);
      expect(decodeProtectedHeader(body.request)).toEqual({
        alg: 'ECDH-ES+A256KW',
        enc: 'A256GCM',
        cty: 'JWT',
        kid: 'op-enc',
        epk: expect.any(Object),
      });
      const inner = new TextDecoder().decode((await compactDecrypt(body.request, provider.privateKey)).plaintext);
      const sig = (await keys.getPublicJwks()).keys.find((k) => k.use === 'sig')!;
      const { payload } = await jwtVerify(inner, await importJWK(sig, 'ES256'), { issuer: DEVICE_ID });
      expect(payload.login_hint).toBe('owner@example.test');
      expect(body.client_notification_token).toBe(payload.client_notification_token);
    });

    it("reads the provider's JWKS again after an hour, so a rotated encryption key is followed", async () => {
      const jwkOf = async (kid: string) => {
        const pair = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' });
        return { ...(await exportJWK(pair.publicKey)), kid, use: 'enc', alg: 'ECDH-ES+A256KW' };
      };
      let published = await jwkOf('op-enc-1');
      let fetches = 0;
      const server = createHttpServer((_req, res) => {
        fetches++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [...bridge.provider.jwks.keys, published] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        let offset = 0;
        const client = await start({
          providerJwks: undefined,
          providerJwksUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
          now: () => Date.now() + offset,
        });
        const kidOfRequest = async (n: number) => {
          ask(client);
          await bridge.until(() => bridge.messages('verification').length === n, `verification request ${n}`);
          return decodeProtectedHeader(bridge.messages('verification')[n - 1].body.request).kid;
        };
        expect(await kidOfRequest(1)).toBe('op-enc-1');
        published = await jwkOf('op-enc-2'); // the provider rotated
        offset = 59 * 60 * 1000;
        expect(await kidOfRequest(2)).toBe('op-enc-1');
        expect(fetches).toBe(1);
        offset = 60 * 60 * 1000;
        expect(await kidOfRequest(3)).toBe('op-enc-2');
        expect(fetches).toBe(2);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('re-publishes an unanswered request with the same request_id and request object after a reconnect', async () => {
      const client = await start();
      bridge.autoAck = false;
      const handle = ask(client);
      await firstRequestId();
      bridge.dropConnections();
      await bridge.until(() => bridge.messages('verification').length === 2, 'the re-published request');
      const [a, b] = bridge.messages('verification');
      // the same request object (the request's identity), with a fresh client assertion
      expect(b.body.request).toBe(a.body.request);
      expect(claimsOf(b.body.client_assertion).jti).not.toBe(claimsOf(a.body.client_assertion).jti);
      expect(bridge.jtis).toHaveLength(2);
      await bridge.ack(handle.requestId);
      await bridge.approve(handle.requestId);
      await expect(handle.result).resolves.toMatchObject({ tokenType: 'DPoP' });
      expect(client.connected).toBe(true);
    });

    it('publishes a request made while offline once it is connected again', async () => {
      const client = await start({ reconnect: { minMs: 300, maxMs: 300 } });
      bridge.dropConnections();
      await bridge.until(() => !client.connected, 'the disconnect');
      const handle = ask(client);
      await new Promise((r) => setTimeout(r, 50));
      expect(bridge.messages('verification')).toHaveLength(0);
      const id = await firstRequestId();
      expect(id).toBe(handle.requestId);
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      await bridge.approve(id);
      await expect(handle.result).resolves.toMatchObject({ tokenType: 'DPoP' });
    });

    it('re-publishes a pending refresh after a reconnect with a fresh DPoP proof', async () => {
      const client = await start();
      const refreshing = client.refresh('rt-1');
      await bridge.until(() => bridge.messages('refresh').length === 1, 'the refresh');
      bridge.dropConnections();
      await bridge.until(() => bridge.messages('refresh').length === 2, 'the re-published refresh');
      const [a, b] = bridge.messages('refresh').map((m) => m.body);
      expect(b.request_id).toBe(a.request_id);
      expect(b.refresh_token).toBe('rt-1');
      expect(claimsOf(b.dpop).jti).not.toBe(claimsOf(a.dpop).jti);
      const t = await bridge.provider.encryptedTokenResponse(bridge.device, undefined);
      await bridge.sendResult(b.request_id, { status: 'refreshed', encrypted_token_response: t.jwe });
      await expect(refreshing).resolves.toMatchObject({ accessToken: t.accessToken });
    });

    it('receives a result published while it was offline once it reconnects, exactly once', async () => {
      const client = await start({ reconnect: { minMs: 300, maxMs: 300 } });
      const handle = ask(client);
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      bridge.dropConnections();
      await bridge.until(() => bridge.connections === 0 && !client.connected, 'the disconnect');
      await bridge.approve(id); // queued for the offline session, and redelivered on subscribe
      const tokens = await handle.result;
      expect(tokens.claims[`urn:openid:params:jwt:claim:auth_req_id`]).toBe(handle.authReqId);
      await bridge.until(() => bridge.ledger.get(id)!.resultAcked, 'the result-ack');
    });

    it('re-sends a cancel that could not be published while offline', async () => {
      const client = await start({ reconnect: { minMs: 200, maxMs: 200 } });
      const handle = ask(client);
      const id = await firstRequestId();
      bridge.dropConnections();
      await bridge.until(() => !client.connected, 'the disconnect');
      handle.cancel();
      await expect(codeOf(handle.result)).resolves.toBe('cancelled');
      await bridge.until(() => bridge.messages('cancel').length >= 1, 'the cancel after reconnecting');
      expect(bridge.messages('cancel')[0].body).toEqual({ request_id: id });
      expect(bridge.ledger.get(id)!.cancelled).toBe(true);
    });
  });

  describe('cancellation', () => {
    it('cancel() rejects with cancelled, publishes a cancel, and ignores a later result', async () => {
      const client = await start();
      const handle = ask(client);
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      const unclaimed: unknown[] = [];
      client.on('unclaimedResult', (r) => unclaimed.push(r));
      handle.cancel();
      await expect(codeOf(handle.result)).resolves.toBe('cancelled');
      await bridge.until(() => bridge.ledger.get(id)!.cancelled, 'the cancel');
      // a stray result despite the cancel is acknowledged, not delivered
      await bridge.send('result', { request_id: id, status: 'denied', error: 'access_denied' });
      await bridge.until(() => bridge.messages('result-ack').length === 1, 'the result-ack');
      expect(unclaimed).toEqual([]);
      handle.cancel(); // no-op once settled
      expect(bridge.messages('cancel')).toHaveLength(1);
    });

    it('an aborted signal cancels the request with the abort reason as cause', async () => {
      const client = await start();
      const controller = new AbortController();
      const handle = ask(client, { signal: controller.signal });
      const id = await firstRequestId();
      controller.abort(new Error('user left the car'));
      const err = (await handle.result.catch((e: unknown) => e)) as DeviceClientError;
      expect(err.code).toBe('cancelled');
      expect((err.cause as Error).message).toBe('user left the car');
      await bridge.until(() => bridge.messages('cancel').length === 1, 'the cancel');
      expect(bridge.messages('cancel')[0].body.request_id).toBe(id);
    });

    it('an already aborted signal rejects at once and publishes nothing', async () => {
      const client = await start();
      const handle = ask(client, { signal: AbortSignal.abort() });
      await expect(codeOf(handle.result)).resolves.toBe('cancelled');
      await new Promise((r) => setTimeout(r, 50));
      expect(bridge.seen).toHaveLength(0);
    });

    it('close() rejects pending requests with closed', async () => {
      const client = await start();
      const handle = ask(client);
      await firstRequestId();
      await client.close();
      await expect(codeOf(handle.result)).resolves.toBe('closed');
    });
  });

  describe('ID token verification before resolving', () => {
    const cases: Array<[string, TokenTweaks, string]> = [
      ['an ID token for another audience', { aud: 'hu-someone-else' }, 'invalid_id_token'],
      ['an ID token from another issuer', { iss: 'https://evil.example' }, 'invalid_id_token'],
      ['an auth_req_id claim other than the acknowledged one', { authReqIdClaim: 'areq-other' }, 'invalid_id_token'],
      ['no auth_req_id claim', { authReqIdClaim: null }, 'invalid_id_token'],
      ['an at_hash that does not match the access token', { atHash: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'invalid_id_token'],
      ['no at_hash', { atHash: null }, 'invalid_id_token'],
      ['an rt_hash that does not match the refresh token', { rtHash: 'AAAAAAAAAAAAAAAAAAAAAA' }, 'invalid_id_token'],
      ['an ID token signed by a key outside the provider JWKS', { foreignKey: true }, 'invalid_id_token'],
      ['an expired ID token', { exp: Math.floor(Date.now() / 1000) - 600 }, 'invalid_id_token'],
      ['a token response encrypted to another key', { foreignEncryptionKey: true }, 'invalid_token_response'],
      ['a token response without an ID token', { withoutIdToken: true }, 'invalid_token_response'],
    ];

    it.each(cases)('rejects %s', async (_what, tweaks, code) => {
      const client = await start();
      const handle = ask(client);
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      await bridge.approve(id, tweaks);
      await expect(codeOf(handle.result)).resolves.toBe(code);
      // the result was processed: the bridge must stop redelivering it
      await bridge.until(() => bridge.ledger.get(id)!.resultAcked, 'the result-ack');
    });

    it('rejects a verification whose result has the status of a refresh with protocol_error, and confirms it', async () => {
      const client = await start();
      const handle = ask(client);
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      const tokens = await bridge.provider.encryptedTokenResponse(bridge.device, handle.authReqId);
      await bridge.sendResult(id, { status: 'refreshed', encrypted_token_response: tokens.jwe });
      await expect(codeOf(handle.result)).resolves.toBe('protocol_error');
      await bridge.until(() => bridge.ledger.get(id)!.resultAcked, 'the result-ack');
    });

    it('accepts a token response without a refresh token (rt_hash then not required)', async () => {
      const client = await start();
      const handle = ask(client);
      const id = await firstRequestId();
      await bridge.until(() => handle.authReqId !== undefined, 'the ack');
      await bridge.approve(id, { withoutRefreshToken: true, rtHash: null });
      const tokens = await handle.result;
      expect(tokens.refreshToken).toBeUndefined();
    });
  });

  describe('refresh', () => {
    it('sends the refresh token with a client assertion and a DPoP proof, and resolves with the new tokens', async () => {
      const client = await start();
      bridge.onRefresh = (m) =>
        void bridge.provider
          .encryptedTokenResponse(bridge.device, undefined)
          .then((t) => bridge.sendResult(m.body.request_id, { status: 'refreshed', encrypted_token_response: t.jwe }));
      const tokens = await client.refresh({ refreshToken: 'rt-1', scope: 'openid' });
      expect(tokens.tokenType).toBe('DPoP');
      expect(tokens.idToken).toBeDefined();
      const body = bridge.messages('refresh')[0].body;
      expect(body.refresh_token).toBe('rt-1');
      expect(claimsOf(body.client_assertion)).toMatchObject({ iss: DEVICE_ID, sub: DEVICE_ID, aud: TEST_ISSUER });
      const header = decodeProtectedHeader(body.dpop);
      expect(header.typ).toBe('dpop+jwt');
      const sig = (await keys.getPublicJwks()).keys.find((k) => k.use === 'sig')!;
      expect(await calculateJwkThumbprint(header.jwk!, 'sha256')).toBe(await keys.thumbprint());
      expect(await calculateJwkThumbprint(sig, 'sha256')).toBe(await keys.thumbprint());
      const proof = await jwtVerify(body.dpop, await importJWK(header.jwk!, 'ES256'), { typ: 'dpop+jwt' });
      expect(proof.payload).toMatchObject({ htm: 'POST', htu: `${TEST_ISSUER}/token` });
      await bridge.until(() => bridge.ledger.get(body.request_id)!.resultAcked, 'the result-ack');
    });

    it('rejects with invalid_grant when the provider refuses the refresh token', async () => {
      const client = await start();
      bridge.onRefresh = (m) => void bridge.sendResult(m.body.request_id, { status: 'failed', error: 'invalid_grant' });
      await expect(codeOf(client.refresh('rt-revoked'))).resolves.toBe('invalid_grant');
    });

    it('times out with timeout when no refresh result arrives', async () => {
      const client = await start();
      await expect(codeOf(client.refresh('rt-1', { timeoutMs: 100 }))).resolves.toBe('timeout');
    });
  });
});
