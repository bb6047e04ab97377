import { randomBytes } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { PATHS } from '@onboard/ciba-core';
import { startProvider, type TestProvider } from '../support/provider';
import { NotificationListener } from '../support/notification-listener';
import {
  authedPost,
  backchannel,
  bindingMessage,
  CIBA_GRANT,
  cibaToken,
  createOwner,
  refresh,
  registerClient,
  type Mode,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOAuthError, expectOk, verifyProviderJwt } from '../support/expect';
import { get, sendJson, type HttpResult } from '../support/http';
import {
  decodeParts,
  dpopProof,
  generateTestKey,
  halfHash,
  requestObject,
  sha256b64u,
  thumbprint,
  type TestKey,
} from '../support/jose-helpers';

const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';
const RT_HASH_CLAIM = 'urn:openid:params:jwt:claim:rt_hash';

/** A head-unit as issue 3 describes it: an ES256 signing key and an X25519 encryption key, both made on the device. */
interface Device {
  client: TestClient;
  sigKey: TestKey;
  encPrivateKey: CryptoKey;
  /** RFC 7638 thumbprint of the signing key: the device's dpop_jkt. */
  jkt: string;
}

// Device clients (issue 3 §1, §4): token responses encrypted to the device, tokens bound to its key.
describe('device clients: encrypted token responses and dpop_jkt', () => {
  let p: TestProvider;
  let listener: NotificationListener;
  let owner: TestOwner;

  beforeAll(async () => {
    listener = await new NotificationListener().start();
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
  });
  afterAll(async () => {
    await p?.close();
    await listener?.close();
  });

  const admin = () => ({ authorization: `Bearer ${p.adminToken}` });

  /** Register a device through the admin API the way the bridge does. */
  async function registerDevice(mode: Mode = 'push', path = `/device-${randomBytes(4).toString('hex')}`) {
    const sigKey = await generateTestKey('ES256');
    const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
    const encJwk = { ...(await exportJWK(enc.publicKey)), kid: 'enc-1', use: 'enc', alg: 'ECDH-ES+A256KW' };
    const clientId = `hu-${randomBytes(8).toString('hex')}`;
    const metadata: Record<string, unknown> = {
      client_id: clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [sigKey.publicJwk, encJwk] },
      backchannel_authentication_request_signing_alg: 'ES256',
      backchannel_token_delivery_mode: mode,
      grant_types: [CIBA_GRANT, 'refresh_token'],
      dpop_bound_access_tokens: true,
      token_response_encryption_alg: 'ECDH-ES+A256KW',
      token_response_encryption_enc: 'A256GCM',
      ...(mode === 'poll' ? {} : { backchannel_client_notification_endpoint: listener.url(path) }),
    };
    const registration = expectOk(await sendJson('POST', p.at(`${PATHS.admin}/clients`), metadata, admin()), 201);
    const client: TestClient = {
      clientId,
      authMethod: 'private_key_jwt',
      mode,
      key: sigKey,
      notificationEndpoint: metadata.backchannel_client_notification_endpoint as string | undefined,
      registration,
    };
    const device: Device = { client, sigKey, encPrivateKey: enc.privateKey, jkt: await thumbprint(sigKey) };
    return { device, path };
  }

  /** A signed authentication request (CIBA §7.1.1) carrying client_notification_token and dpop_jkt. */
  async function signedRequest(device: Device, params: Record<string, unknown> = {}) {
    const bm = bindingMessage();
    const notificationToken = randomBytes(24).toString('base64url');
    const request = await requestObject(device.sigKey, device.client.clientId, p.issuer, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bm,
      client_notification_token: notificationToken,
      dpop_jkt: device.jkt,
      ...params,
    });
    const res = await backchannel(p, device.client, { request });
    return { res, bm, notificationToken };
  }

  async function decrypt(device: Device, jwe: string): Promise<Record<string, any>> {
    const { plaintext } = await compactDecrypt(jwe, device.encPrivateKey);
    return JSON.parse(new TextDecoder().decode(plaintext));
  }

  const userinfoUrl = () => p.issuer + PATHS.userinfo;
  const tokenUrl = () => p.issuer + PATHS.token;
  const userinfo = (headers: Record<string, string>): Promise<HttpResult> => get(p.at(PATHS.userinfo), headers);
  const userinfoProof = (key: TestKey, accessToken: string) =>
    dpopProof(key, 'GET', userinfoUrl(), { ath: sha256b64u(accessToken) });

  /** Push flow to the end: request, approval on the owner's device, the push received. Returns the decrypted tokens. */
  async function pushFlow(device: Device, path: string) {
    const { res, bm, notificationToken } = await signedRequest(device);
    const ack = expectOk(res);
    await owner.device.approve(bm);
    const [push] = await listener.waitFor(path);
    return { push, ack, notificationToken, tokens: await decrypt(device, push.json.encrypted_token_response) };
  }

  it('advertises the token response encryption algorithms in discovery', () => {
    expect(p.discovery.token_response_encryption_alg_values_supported).toEqual(['ECDH-ES+A256KW', 'ECDH-ES']);
    expect(p.discovery.token_response_encryption_enc_values_supported).toContain('A256GCM');
  });

  it('pushes only auth_req_id and one JWE that the device decrypts into tokens bound to its dpop_jkt', async () => {
    const { device, path } = await registerDevice();
    const { push, ack, notificationToken, tokens } = await pushFlow(device, path);

    // CIBA §10.3 push, with the token response encrypted (issue 3 §4): nothing else in clear.
    expect(push.authorization).toBe(`Bearer ${notificationToken}`);
    expect(Object.keys(push.json).sort()).toEqual(['auth_req_id', 'encrypted_token_response']);
    expect(push.json.auth_req_id).toBe(ack.auth_req_id);
    expect(decodeProtectedHeader(push.json.encrypted_token_response)).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: 'enc-1',
    });
    for (const secret of [tokens.access_token, tokens.refresh_token, tokens.id_token]) {
      expect(push.text).not.toContain(secret);
    }
    expect(tokens).toMatchObject({ token_type: 'DPoP', expires_in: expect.any(Number), scope: 'openid' });

    // CIBA §10.3.1: the ID token names the auth_req_id and hashes both tokens.
    const { payload: idToken } = await verifyProviderJwt(p, tokens.id_token, { audience: device.client.clientId });
    expect(idToken[AUTH_REQ_ID_CLAIM]).toBe(ack.auth_req_id);
    expect(idToken.at_hash).toBe(halfHash(tokens.access_token, 'ES256'));
    expect(idToken[RT_HASH_CLAIM]).toBe(halfHash(tokens.refresh_token, 'ES256'));

    // RFC 9449 §6.1: the access token is bound to the dpop_jkt of the request.
    const { payload: accessToken } = await verifyProviderJwt(p, tokens.access_token, { typ: 'at+jwt' });
    expect(accessToken.cnf).toEqual({ jkt: device.jkt });
    expect(accessToken.client_id).toBe(device.client.clientId);

    // The device itself can use it.
    const ok = await userinfo({
      authorization: `DPoP ${tokens.access_token}`,
      dpop: await userinfoProof(device.sigKey, tokens.access_token),
    });
    expect(ok.status).toBe(200);
    expect(ok.json.sub).toBe(owner.sub);
  });

  it('refuses a captured access token replayed without the device key', async () => {
    const { device, path } = await registerDevice();
    const { tokens } = await pushFlow(device, path);
    const at = tokens.access_token;
    const attacker = await generateTestKey('ES256');

    const asBearer = await userinfo({ authorization: `Bearer ${at}` });
    expectOAuthError(asBearer, 401, 'invalid_token');
    const withoutProof = await userinfo({ authorization: `DPoP ${at}` });
    expect(withoutProof.status).toBe(401);
    expect(withoutProof.headers['www-authenticate']).toMatch(/^DPoP /);
    const otherKey = await userinfo({ authorization: `DPoP ${at}`, dpop: await userinfoProof(attacker, at) });
    expectOAuthError(otherKey, 401, 'invalid_token');

    // The refresh token is bound too (RFC 9449 §5): another key gets invalid_grant, in clear.
    const stolenRefresh = await refresh(p, device.client, tokens.refresh_token, {
      dpop: await dpopProof(attacker, 'POST', tokenUrl()),
    });
    expectOAuthError(stolenRefresh, 400, 'invalid_grant');
  });

  it('answers a refresh with the device key with one encrypted token response', async () => {
    const { device, path } = await registerDevice();
    const { tokens } = await pushFlow(device, path);
    const res = await refresh(p, device.client, tokens.refresh_token, {
      dpop: await dpopProof(device.sigKey, 'POST', tokenUrl()),
    });
    const body = expectOk(res);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(Object.keys(body)).toEqual(['encrypted_token_response']);
    const refreshed = await decrypt(device, body.encrypted_token_response);
    expect(refreshed.token_type).toBe('DPoP');
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeParts(refreshed.access_token).payload.cnf).toEqual({ jkt: device.jkt });
    await verifyProviderJwt(p, refreshed.id_token, { audience: device.client.clientId });
  });

  it('requires dpop_jkt from a DPoP-bound push device, and only inside the signed request', async () => {
    const { device } = await registerDevice();
    const missing = await signedRequest(device, { dpop_jkt: undefined });
    expectOAuthError(missing.res, 400, 'invalid_request');
    expect(missing.res.json.error_description).toContain('dpop_jkt');
    const malformed = await signedRequest(device, { dpop_jkt: 'not-a-thumbprint' });
    expectOAuthError(malformed.res, 400, 'invalid_request');
    const request = await requestObject(device.sigKey, device.client.clientId, p.issuer, {
      scope: 'openid',
      login_hint: owner.email,
      client_notification_token: randomBytes(24).toString('base64url'),
    });
    const beside = await backchannel(p, device.client, { request, dpop_jkt: device.jkt });
    expectOAuthError(beside, 400, 'invalid_request');
    expect(beside.json.error_description).toContain('dpop_jkt must be inside the request object');
  });

  it('binds a poll-mode request to dpop_jkt: no proof, another key, then the device key with an encrypted answer', async () => {
    const { device } = await registerDevice('poll');
    const { res, bm } = await signedRequest(device, { client_notification_token: undefined });
    const ack = expectOk(res);
    await owner.device.approve(bm);
    const attacker = await generateTestKey('ES256');

    // The client is DPoP-bound, so no proof at all is invalid_dpop_proof (RFC 9449 §5).
    expectOAuthError(await cibaToken(p, device.client, ack.auth_req_id), 400, 'invalid_dpop_proof');
    const wrongKey = await cibaToken(p, device.client, ack.auth_req_id, {
      dpop: await dpopProof(attacker, 'POST', tokenUrl()),
    });
    expectOAuthError(wrongKey, 400, 'invalid_grant');
    const ok = expectOk(
      await cibaToken(p, device.client, ack.auth_req_id, { dpop: await dpopProof(device.sigKey, 'POST', tokenUrl()) }),
    );
    expect(Object.keys(ok)).toEqual(['encrypted_token_response']);
    const tokens = await decrypt(device, ok.encrypted_token_response);
    expect(decodeParts(tokens.access_token).payload.cnf).toEqual({ jkt: device.jkt });
    const { payload } = await verifyProviderJwt(p, tokens.id_token, { audience: device.client.clientId });
    expect(payload[AUTH_REQ_ID_CLAIM]).toBe(ack.auth_req_id);
  });

  it('makes the tokens of a disabled device inactive at once', async () => {
    const { device, path } = await registerDevice();
    const { tokens } = await pushFlow(device, path);
    const other = await registerClient(p, { mode: 'poll' });
    const introspect = (client: TestClient, token: string) => authedPost(p, client, PATHS.introspection, { token });
    expect(expectOk(await introspect(device.client, tokens.access_token)).active).toBe(true);

    const disabled = expectOk(
      await sendJson('POST', p.at(`${PATHS.admin}/clients/${device.client.clientId}/disable`), undefined, admin()),
    );
    expect(disabled.disabled).toBe(true);

    // Userinfo: invalid_token even with a valid proof by the device key.
    const res = await userinfo({
      authorization: `DPoP ${tokens.access_token}`,
      dpop: await userinfoProof(device.sigKey, tokens.access_token),
    });
    expectOAuthError(res, 401, 'invalid_token');
    // Introspection: the device can no longer authenticate, and nobody else sees its tokens as active.
    expectOAuthError(await introspect(device.client, tokens.access_token), 401, 'invalid_client');
    expect(expectOk(await introspect(other, tokens.access_token))).toEqual({ active: false });
    // Refresh: invalid_client.
    const refreshed = await refresh(p, device.client, tokens.refresh_token, {
      dpop: await dpopProof(device.sigKey, 'POST', tokenUrl()),
    });
    expectOAuthError(refreshed, 401, 'invalid_client');

    // The admin API shows the device client, disabled, with its metadata and no secret.
    const view = expectOk(await get(p.at(`${PATHS.admin}/clients/${device.client.clientId}`), admin()));
    expect(view).toMatchObject({
      client_id: device.client.clientId,
      disabled: true,
      token_response_encryption_alg: 'ECDH-ES+A256KW',
      token_response_encryption_enc: 'A256GCM',
      dpop_bound_access_tokens: true,
    });
    expect(view).not.toHaveProperty('client_secret');
  });

  it('refuses to register token response encryption without a use=enc key', async () => {
    const sigKey = await generateTestKey('ES256');
    const res = await sendJson(
      'POST',
      p.at(`${PATHS.admin}/clients`),
      {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [sigKey.publicJwk] },
        backchannel_token_delivery_mode: 'poll',
        token_response_encryption_alg: 'ECDH-ES+A256KW',
      },
      admin(),
    );
    expectOAuthError(res, 400, 'invalid_client_metadata');
  });
});
