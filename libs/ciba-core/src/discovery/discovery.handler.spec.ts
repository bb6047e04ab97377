import { createHarness, ISSUER, type TestHarness } from '../backchannel/testing.spec-helper';
import { PATHS } from '../paths';
import { handleDiscovery } from './discovery.handler';

const get = (h: TestHarness, method = 'GET') =>
  handleDiscovery(h.ctx, { method, url: ISSUER + PATHS.discovery, headers: {} });

describe('handleDiscovery (OIDC Discovery, CIBA §4)', () => {
  let h: TestHarness;
  let doc: Record<string, unknown>;
  beforeAll(async () => {
    h = await createHarness({ authorizationDetailsTypesSupported: ['vehicle_unlock'] });
    const res = await get(h);
    expect(res.status).toBe(200);
    doc = res.body as Record<string, unknown>;
  });

  it('names the issuer and every endpoint under it', () => {
    expect(doc).toMatchObject({
      issuer: ISSUER,
      backchannel_authentication_endpoint: ISSUER + PATHS.backchannel,
      token_endpoint: ISSUER + PATHS.token,
      jwks_uri: ISSUER + PATHS.jwks,
      userinfo_endpoint: ISSUER + PATHS.userinfo,
      registration_endpoint: ISSUER + PATHS.registration,
      introspection_endpoint: ISSUER + PATHS.introspection,
      revocation_endpoint: ISSUER + PATHS.revocation,
    });
  });

  it('advertises the three delivery modes, the CIBA and refresh grants and user_code support', () => {
    expect(doc.backchannel_token_delivery_modes_supported).toEqual(['poll', 'ping', 'push']);
    expect(doc.grant_types_supported).toEqual(['urn:openid:params:grant-type:ciba', 'refresh_token']);
    expect(doc.backchannel_user_code_parameter_supported).toBe(true);
  });

  it('advertises asymmetric request and assertion algorithms only', () => {
    for (const field of [
      'backchannel_authentication_request_signing_alg_values_supported',
      'token_endpoint_auth_signing_alg_values_supported',
      'request_object_signing_alg_values_supported',
    ]) {
      const algs = doc[field] as string[];
      expect(algs).toEqual(expect.arrayContaining(['ES256', 'PS256']));
      expect(algs.filter((a) => a === 'none' || a.startsWith('HS'))).toEqual([]);
    }
  });

  it('lists client auth methods, ID token algs, scopes, acr values, DPoP algs and RAR types', () => {
    expect(doc.token_endpoint_auth_methods_supported).toEqual([
      'private_key_jwt',
      'client_secret_basic',
      'client_secret_post',
    ]);
    expect(doc.introspection_endpoint_auth_methods_supported).toEqual(doc.token_endpoint_auth_methods_supported);
    expect(doc.revocation_endpoint_auth_methods_supported).toEqual(doc.token_endpoint_auth_methods_supported);
    // OIDC Discovery §3: RS256 must be among them; it comes first as the default.
    expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'PS256']);
    expect(doc.userinfo_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'PS256']);
    expect(doc.scopes_supported).toContain('openid');
    expect(doc.acr_values_supported).toEqual(h.ctx.settings.acrValuesSupported);
    expect(doc.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
    expect(doc.authorization_details_types_supported).toEqual(['vehicle_unlock']);
    expect(doc.subject_types_supported).toEqual(['public']);
    expect(doc.response_types_supported).toEqual([]);
    expect(doc.tls_client_certificate_bound_access_tokens).toBe(false);
    expect(doc).not.toHaveProperty('require_signed_request_object');
  });

  it('advertises the token response encryption algorithms a device client may register', async () => {
    const doc = (await get(h)).body as Record<string, unknown>;
    expect(doc.token_response_encryption_alg_values_supported).toEqual(['ECDH-ES+A256KW', 'ECDH-ES']);
    expect(doc.token_response_encryption_enc_values_supported).toEqual(['A256GCM', 'A128GCM']);
  });

  it('is JSON and publicly cacheable', async () => {
    const res = await get(h);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toMatch(/^public/);
  });

  it('refuses POST with 405', async () => {
    expect((await get(h, 'POST')).status).toBe(405);
  });

  it('leaves push out and requires signed requests under global FAPI-CIBA', async () => {
    const fapi = await createHarness({ fapiCiba: true });
    const fdoc = (await get(fapi)).body as Record<string, unknown>;
    expect(fdoc.backchannel_token_delivery_modes_supported).toEqual(['poll', 'ping']);
    expect(fdoc.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
    expect(fdoc.backchannel_authentication_request_signing_alg_values_supported).toEqual(['PS256', 'ES256']);
    // FAPI 1.0 Advanced §8.6: PS256 and ES256 only, for ID tokens too.
    expect(fdoc.id_token_signing_alg_values_supported).toEqual(['ES256', 'PS256']);
    expect(fdoc.require_signed_request_object).toBe(true);
    expect(fdoc).not.toHaveProperty('authorization_details_types_supported');
  });

  it('is accepted by openid-client 6 discovery for this issuer', async () => {
    const client = await import('openid-client');
    const res = await get(h);
    const fetchImpl = async () =>
      new Response(JSON.stringify(res.body), { status: 200, headers: { 'content-type': 'application/json' } });
    const config = await client.discovery(new URL(ISSUER), 'rp-1', 'secret', undefined, {
      [client.customFetch]: fetchImpl,
    });
    expect(config.serverMetadata().backchannel_authentication_endpoint).toBe(ISSUER + PATHS.backchannel);
  });
});
