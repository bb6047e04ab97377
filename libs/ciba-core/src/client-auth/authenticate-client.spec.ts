import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { PATHS } from '../paths';
import {
  assertionParams,
  basicAuth,
  clientAssertion,
  createHarness,
  formRequest,
  ISSUER,
  keyClient,
  makeKey,
  secretClient,
  serveJwks,
  signJwt,
  type TestHarness,
} from '../backchannel/testing.spec-helper';
import { authenticateClient } from './authenticate-client';
import { parseForm } from '../http/parse-body';
import { hashClientSecret } from './client-secret';

async function auth(h: TestHarness, params: Record<string, string>, headers: Record<string, string> = {}) {
  const req = formRequest(params, headers);
  return authenticateClient(h.ctx, req, parseForm(req), PATHS.backchannel);
}

describe('authenticateClient', () => {
  let h: TestHarness;
  beforeEach(async () => {
    h = await createHarness();
  });

  describe('client_secret_basic', () => {
    it('accepts the registered id and secret from the Authorization header', async () => {
      const { client, secret } = await secretClient(h.ctx);
      const found = await auth(h, {}, { authorization: basicAuth(client.clientId, secret) });
      expect(found.clientId).toBe(client.clientId);
    });

    it('form-urldecodes the id and secret before comparing them (RFC 6749 §2.3.1)', async () => {
      const { client } = await secretClient(h.ctx, { clientId: 'id with:colon+plus' });
      const secret = 'a b:c+d%e';
      await h.ctx.stores.clients.save({ ...client, clientSecretHash: hashClientSecret(secret) });
      const found = await auth(h, {}, { authorization: basicAuth('id with:colon+plus', secret) });
      expect(found.clientId).toBe('id with:colon+plus');
    });

    it('answers a wrong secret with 401 invalid_client and a Basic challenge', async () => {
      const { client } = await secretClient(h.ctx);
      await expect(auth(h, {}, { authorization: basicAuth(client.clientId, 'wrong') })).rejects.toMatchObject({
        code: 'invalid_client',
        status: 401,
        headers: { 'www-authenticate': 'Basic realm="onboard"' },
      });
    });

    it('refuses a malformed Basic header with invalid_client', async () => {
      await expect(auth(h, {}, { authorization: 'Basic not base64!' })).rejects.toMatchObject({
        code: 'invalid_client',
      });
      await expect(
        auth(h, {}, { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }),
      ).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses a form client_id that differs from the Basic one with invalid_request', async () => {
      const { client, secret } = await secretClient(h.ctx);
      await expect(
        auth(h, { client_id: 'other' }, { authorization: basicAuth(client.clientId, secret) }),
      ).rejects.toMatchObject({ code: 'invalid_request' });
    });

    it('refuses a client registered for client_secret_post that uses Basic', async () => {
      const { client, secret } = await secretClient(h.ctx, { tokenEndpointAuthMethod: 'client_secret_post' });
      await expect(auth(h, {}, { authorization: basicAuth(client.clientId, secret) })).rejects.toMatchObject({
        code: 'invalid_client',
      });
    });

    it('refuses an Authorization scheme other than Basic', async () => {
      await expect(auth(h, {}, { authorization: 'Bearer abc' })).rejects.toMatchObject({ code: 'invalid_client' });
    });
  });

  describe('client_secret_post', () => {
    it('accepts client_id and client_secret in the form', async () => {
      const { client, secret } = await secretClient(h.ctx, { tokenEndpointAuthMethod: 'client_secret_post' });
      const found = await auth(h, { client_id: client.clientId, client_secret: secret });
      expect(found.clientId).toBe(client.clientId);
    });

    it('requires client_id next to client_secret', async () => {
      await expect(auth(h, { client_secret: 'x' })).rejects.toMatchObject({ code: 'invalid_request' });
    });

    it('refuses a wrong secret with invalid_client', async () => {
      const { client } = await secretClient(h.ctx, { tokenEndpointAuthMethod: 'client_secret_post' });
      await expect(auth(h, { client_id: client.clientId, client_secret: 'nope' })).rejects.toMatchObject({
        code: 'invalid_client',
        status: 401,
      });
    });

    it('refuses a client registered for client_secret_basic that posts its secret', async () => {
      const { client, secret } = await secretClient(h.ctx);
      await expect(auth(h, { client_id: client.clientId, client_secret: secret })).rejects.toMatchObject({
        code: 'invalid_client',
      });
    });
  });

  describe('method selection', () => {
    it('refuses two methods at once with invalid_request', async () => {
      const { client, secret } = await secretClient(h.ctx);
      await expect(
        auth(
          h,
          { client_id: client.clientId, client_secret: secret },
          { authorization: basicAuth(client.clientId, secret) },
        ),
      ).rejects.toMatchObject({ code: 'invalid_request' });
    });

    it('refuses a request without any client authentication with invalid_client', async () => {
      await expect(auth(h, { client_id: 'x' })).rejects.toMatchObject({ code: 'invalid_client', status: 401 });
    });

    it('refuses an unknown client with invalid_client', async () => {
      await expect(auth(h, {}, { authorization: basicAuth('nobody', 'secret') })).rejects.toMatchObject({
        code: 'invalid_client',
      });
    });

    it('refuses a disabled client with invalid_client even with the right secret', async () => {
      const { client, secret } = await secretClient(h.ctx, { disabled: true });
      await expect(auth(h, {}, { authorization: basicAuth(client.clientId, secret) })).rejects.toMatchObject({
        code: 'invalid_client',
      });
    });

    it('refuses shared-secret methods for FAPI-CIBA clients', async () => {
      const { client, secret } = await secretClient(h.ctx, { fapiCiba: true });
      await expect(auth(h, {}, { authorization: basicAuth(client.clientId, secret) })).rejects.toMatchObject({
        code: 'invalid_client',
      });
    });
  });

  describe('private_key_jwt', () => {
    it('accepts an assertion whose aud is the issuer', async () => {
      const { client, key } = await keyClient(h.ctx);
      const assertion = await clientAssertion(key, client.clientId, h.clock.now());
      const found = await auth(h, assertionParams(assertion));
      expect(found.clientId).toBe(client.clientId);
    });

    it.each([
      ['this endpoint', ISSUER + PATHS.backchannel],
      ['the token endpoint', ISSUER + PATHS.token],
      ['a list holding the issuer', [ISSUER, 'https://elsewhere']],
    ])('accepts an assertion whose aud is %s', async (_name, aud) => {
      const { client, key } = await keyClient(h.ctx);
      const assertion = await clientAssertion(key, client.clientId, h.clock.now(), { aud });
      await expect(auth(h, assertionParams(assertion))).resolves.toMatchObject({ clientId: client.clientId });
    });

    it('refuses an assertion for another audience', async () => {
      const { client, key } = await keyClient(h.ctx);
      const assertion = await clientAssertion(key, client.clientId, h.clock.now(), { aud: 'https://other.test' });
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses the same jti twice', async () => {
      const { client, key } = await keyClient(h.ctx);
      const assertion = await clientAssertion(key, client.clientId, h.clock.now());
      await auth(h, assertionParams(assertion));
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses an assertion without exp', async () => {
      const { client, key } = await keyClient(h.ctx);
      const assertion = await signJwt(key, { iss: client.clientId, sub: client.clientId, aud: ISSUER, jti: 'j1' });
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses an assertion without jti', async () => {
      const { client, key } = await keyClient(h.ctx);
      const exp = Math.floor(h.clock.now() / 1000) + 60;
      const assertion = await signJwt(key, { iss: client.clientId, sub: client.clientId, aud: ISSUER, exp });
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses an expired assertion and one that lives too long', async () => {
      const { client, key } = await keyClient(h.ctx);
      const now = Math.floor(h.clock.now() / 1000);
      const expired = await clientAssertion(key, client.clientId, h.clock.now(), { iat: now - 600, exp: now - 120 });
      await expect(auth(h, assertionParams(expired))).rejects.toMatchObject({ code: 'invalid_client' });
      const tooLong = await clientAssertion(key, client.clientId, h.clock.now(), { exp: now + 3600 });
      await expect(auth(h, assertionParams(tooLong))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses an assertion whose iss differs from sub', async () => {
      const { client, key } = await keyClient(h.ctx);
      const assertion = await clientAssertion(key, client.clientId, h.clock.now(), { iss: 'someone-else' });
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses an assertion signed by a key the client did not register', async () => {
      const { client } = await keyClient(h.ctx);
      const stranger = await makeKey();
      const assertion = await clientAssertion(stranger, client.clientId, h.clock.now());
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses a symmetric (HS256) assertion', async () => {
      const { client } = await keyClient(h.ctx);
      const now = Math.floor(h.clock.now() / 1000);
      const assertion = await new SignJWT({
        iss: client.clientId,
        sub: client.clientId,
        aud: ISSUER,
        exp: now + 60,
        jti: 'x',
      })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('a'.repeat(32)));
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses a wrong client_assertion_type with invalid_request', async () => {
      const { client, key } = await keyClient(h.ctx);
      const assertion = await clientAssertion(key, client.clientId, h.clock.now());
      await expect(
        auth(h, { client_assertion: assertion, client_assertion_type: 'urn:example:saml' }),
      ).rejects.toMatchObject({ code: 'invalid_request' });
    });

    it('refuses a form client_id naming another client than the assertion', async () => {
      const { client, key } = await keyClient(h.ctx);
      const assertion = await clientAssertion(key, client.clientId, h.clock.now());
      await expect(auth(h, { ...assertionParams(assertion), client_id: 'other' })).rejects.toMatchObject({
        code: 'invalid_client',
      });
    });

    it('refuses an assertion from a client registered for a shared secret', async () => {
      const { client } = await secretClient(h.ctx);
      const key = await makeKey();
      const assertion = await clientAssertion(key, client.clientId, h.clock.now());
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('refuses an alg other than the registered token_endpoint_auth_signing_alg', async () => {
      const { client, key } = await keyClient(h.ctx, { tokenEndpointAuthSigningAlg: 'PS256' });
      const assertion = await clientAssertion(key, client.clientId, h.clock.now());
      await expect(auth(h, assertionParams(assertion))).rejects.toMatchObject({ code: 'invalid_client' });
    });

    it('under FAPI-CIBA refuses RS256 and accepts PS256', async () => {
      const fapi = await createHarness({ fapiCiba: true });
      const rs = await keyClient(fapi.ctx, {}, 'RS256');
      const rsAssertion = await clientAssertion(rs.key, rs.client.clientId, fapi.clock.now());
      await expect(auth(fapi, assertionParams(rsAssertion))).rejects.toMatchObject({ code: 'invalid_client' });
      const ps = await keyClient(fapi.ctx, {}, 'PS256');
      const psAssertion = await clientAssertion(ps.key, ps.client.clientId, fapi.clock.now());
      await expect(auth(fapi, assertionParams(psAssertion))).resolves.toMatchObject({ clientId: ps.client.clientId });
    });

    it('fetches keys from jwks_uri once, caches them, and refetches once for an unknown kid', async () => {
      const uri = `https://rp.example.test/jwks/${randomUUID()}`;
      const first = await makeKey();
      serveJwks(h.http, uri, { keys: [first.publicJwk] });
      const { client } = await keyClient(h.ctx, { jwks: undefined, jwksUri: uri });
      await auth(h, assertionParams(await clientAssertion(first, client.clientId, h.clock.now())));
      await auth(h, assertionParams(await clientAssertion(first, client.clientId, h.clock.now())));
      expect(h.http.calls).toHaveLength(1);

      const rotated = await makeKey();
      serveJwks(h.http, uri, { keys: [rotated.publicJwk] });
      h.clock.advance(10);
      await auth(h, assertionParams(await clientAssertion(rotated, client.clientId, h.clock.now())));
      expect(h.http.calls).toHaveLength(2);

      const unknown = await makeKey();
      h.clock.advance(10);
      await expect(
        auth(h, assertionParams(await clientAssertion(unknown, client.clientId, h.clock.now()))),
      ).rejects.toMatchObject({ code: 'invalid_client' });
      expect(h.http.calls).toHaveLength(3);
    });

    it('answers invalid_client when jwks_uri cannot be fetched', async () => {
      const key = await makeKey();
      const { client } = await keyClient(h.ctx, { jwks: undefined, jwksUri: 'https://down.example.test/jwks' });
      await expect(
        auth(h, assertionParams(await clientAssertion(key, client.clientId, h.clock.now()))),
      ).rejects.toMatchObject({ code: 'invalid_client' });
    });
  });
});
