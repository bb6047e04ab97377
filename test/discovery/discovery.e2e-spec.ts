import { PATHS } from '@onboard/ciba-core';
import { get } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';

describe('discovery (OIDC Discovery §3, CIBA §4)', () => {
  let p: TestProvider;
  let doc: Record<string, any>;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    const res = await get(p.at(PATHS.discovery));
    expect(res.status).toBe(200);
    doc = res.json;
  });
  afterAll(() => p?.close());

  it('names the issuer it is served from and every endpoint under it', () => {
    expect(doc.issuer).toBe(p.booted.issuer);
    expect(new URL(doc.issuer).port).toBe(new URL(p.url).port);
    expect(doc.token_endpoint).toBe(p.issuer + PATHS.token);
    expect(doc.backchannel_authentication_endpoint).toBe(p.issuer + PATHS.backchannel);
    expect(doc.jwks_uri).toBe(p.issuer + PATHS.jwks);
    expect(doc.userinfo_endpoint).toBe(p.issuer + PATHS.userinfo);
    expect(doc.introspection_endpoint).toBe(p.issuer + PATHS.introspection);
    expect(doc.revocation_endpoint).toBe(p.issuer + PATHS.revocation);
    expect(doc.registration_endpoint).toBe(p.issuer + PATHS.registration);
  });

  it('advertises all three CIBA delivery modes and the CIBA grant', () => {
    expect([...doc.backchannel_token_delivery_modes_supported].sort()).toEqual(['ping', 'poll', 'push']);
    expect(doc.grant_types_supported).toEqual(
      expect.arrayContaining(['urn:openid:params:grant-type:ciba', 'refresh_token']),
    );
  });

  it('advertises asymmetric request-object algorithms only, never none or HS*', () => {
    const algs: string[] = doc.backchannel_authentication_request_signing_alg_values_supported;
    expect(algs).toEqual(expect.arrayContaining(['ES256', 'PS256']));
    expect(algs.filter((a) => a === 'none' || a.startsWith('HS'))).toEqual([]);
  });

  it('advertises user_code support, the client auth methods and DPoP algorithms', () => {
    expect(doc.backchannel_user_code_parameter_supported).toBe(true);
    expect(doc.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['private_key_jwt', 'client_secret_basic', 'client_secret_post']),
    );
    expect(doc.token_endpoint_auth_methods_supported).not.toContain('none');
    expect(doc.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
  });

  it('lists RS256 (required by OIDC Discovery §3), ES256 and PS256 for ID tokens and UserInfo, and openid among the scopes', () => {
    expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'PS256']);
    expect(doc.userinfo_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'PS256']);
    expect(doc).not.toHaveProperty('introspection_signing_alg_values_supported');
    expect(doc.scopes_supported).toContain('openid');
    expect(doc.subject_types_supported).toEqual(expect.any(Array));
  });

  it('is served as JSON', async () => {
    const res = await get(p.at(PATHS.discovery));
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('publishes persisted RS256, ES256 and PS256 public keys (an RSA key for each RSA alg) and the request-object encryption key, without private members', async () => {
    const res = await get(p.at(PATHS.jwks));
    expect(res.status).toBe(200);
    const keys: Record<string, unknown>[] = res.json.keys;
    // RFC 9101 §6.1: the key clients encrypt request objects to, `use` `enc`, beside the signing keys.
    expect(keys.map((k) => `${k.alg} ${k.kty} ${k.use}`).sort()).toEqual([
      'ECDH-ES+A256KW EC enc',
      'ES256 EC sig',
      'PS256 RSA sig',
      'RS256 RSA sig',
    ]);
    for (const key of keys.filter((k) => k.kty === 'RSA')) {
      expect(Buffer.from(key.n as string, 'base64url').length * 8).toBe(2048);
      expect(key.e).toBe('AQAB');
    }
    for (const key of keys) {
      expect(typeof key.kid).toBe('string');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(member);
    }
    expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
  });

  it('answers unknown paths with a JSON 404, not a framework page', async () => {
    const res = await get(p.at('/no-such-endpoint'));
    expect(res.status).toBe(404);
  });
});
