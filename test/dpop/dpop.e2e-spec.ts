import { randomUUID } from 'node:crypto';
import { PATHS } from '@onboard/ciba-core';
import { exportJWK } from 'jose';
import { get, type HttpResult } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  backchannel,
  bindingMessage,
  cibaToken,
  createOwner,
  refresh,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOAuthError, expectOk, verifyProviderJwt } from '../support/expect';
import {
  dpopProof,
  generateTestKey,
  hs256Jwt,
  nowSeconds,
  sha256b64u,
  thumbprint,
  unsignedJwt,
  type TestKey,
} from '../support/jose-helpers';

// DPoP (RFC 9449) at the token and userinfo endpoints.
describe('DPoP sender-constrained tokens (RFC 9449)', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;
  let dpopKey: TestKey;
  let nonce: string | undefined;

  const tokenUrl = () => p.issuer + PATHS.token;
  const userinfoUrl = () => p.issuer + PATHS.userinfo;

  /** Send with a fresh proof; follow one use_dpop_nonce challenge (RFC 9449 §8). */
  async function withProof(
    sendFn: (proof: string) => Promise<HttpResult>,
    htm: string,
    htu: string,
    key: TestKey,
    ath?: string,
  ) {
    let res = await sendFn(await dpopProof(key, htm, htu, { ath, nonce }));
    const issued = res.headers['dpop-nonce'];
    if (typeof issued === 'string') nonce = issued;
    if (
      res.json?.error === 'use_dpop_nonce' ||
      (res.status === 401 && /use_dpop_nonce/.test(String(res.headers['www-authenticate'])))
    ) {
      res = await sendFn(await dpopProof(key, htm, htu, { ath, nonce }));
    }
    return res;
  }

  async function approvedRequest(c: TestClient = client): Promise<string> {
    const bm = bindingMessage();
    const ack = expectOk(
      await backchannel(p, c, { scope: 'openid offline_access', login_hint: owner.email, binding_message: bm }),
    );
    await owner.device.approve(bm);
    return ack.auth_req_id;
  }

  async function dpopTokens(key: TestKey = dpopKey, c: TestClient = client) {
    const authReqId = await approvedRequest(c);
    const res = await withProof((proof) => cibaToken(p, c, authReqId, { dpop: proof }), 'POST', tokenUrl(), key);
    return expectOk(res);
  }

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
    client = await registerClient(p);
    dpopKey = await generateTestKey('ES256');
  });
  afterAll(() => p?.close());

  it('binds the access token to the proof key (token_type DPoP, cnf.jkt)', async () => {
    const tokens = await dpopTokens();
    expect(tokens.token_type).toBe('DPoP');
    const at = await verifyProviderJwt(p, tokens.access_token);
    expect(at.payload.cnf).toEqual({ jkt: await thumbprint(dpopKey) });
  });

  it('serves userinfo for a DPoP-bound token with a matching proof, and refuses it as a Bearer token', async () => {
    const tokens = await dpopTokens();
    const ath = sha256b64u(tokens.access_token);
    const ok = await withProof(
      (proof) => get(p.at(PATHS.userinfo), { authorization: `DPoP ${tokens.access_token}`, dpop: proof }),
      'GET',
      userinfoUrl(),
      dpopKey,
      ath,
    );
    expect(expectOk(ok).sub).toBe(owner.sub);
    const asBearer = await get(p.at(PATHS.userinfo), { authorization: `Bearer ${tokens.access_token}` });
    expect(asBearer.status).toBe(401);
  });

  it('refuses userinfo with a proof from another key or without ath', async () => {
    const tokens = await dpopTokens();
    const other = await generateTestKey('ES256');
    const ath = sha256b64u(tokens.access_token);
    const wrongKey = await withProof(
      (proof) => get(p.at(PATHS.userinfo), { authorization: `DPoP ${tokens.access_token}`, dpop: proof }),
      'GET',
      userinfoUrl(),
      other,
      ath,
    );
    expect(wrongKey.status).toBe(401);
    const noAth = await withProof(
      (proof) => get(p.at(PATHS.userinfo), { authorization: `DPoP ${tokens.access_token}`, dpop: proof }),
      'GET',
      userinfoUrl(),
      dpopKey,
    );
    expect(noAth.status).toBe(401);
  });

  it('binds the refresh token: refreshing needs a proof from the same key', async () => {
    const tokens = await dpopTokens();
    const other = await generateTestKey('ES256');
    const wrong = await withProof(
      (proof) => refresh(p, client, tokens.refresh_token, { dpop: proof }),
      'POST',
      tokenUrl(),
      other,
    );
    expect(wrong.status).toBe(400);
    expect(['invalid_grant', 'invalid_dpop_proof']).toContain(wrong.json.error);
    const none = await refresh(p, client, tokens.refresh_token);
    expect(none.status).toBe(400);
    expect(['invalid_grant', 'invalid_dpop_proof', 'invalid_request']).toContain(none.json.error);
    const right = await withProof(
      (proof) => refresh(p, client, tokens.refresh_token, { dpop: proof }),
      'POST',
      tokenUrl(),
      dpopKey,
    );
    const rotated = expectOk(right);
    expect(rotated.token_type).toBe('DPoP');
    const at = await verifyProviderJwt(p, rotated.access_token);
    expect(at.payload.cnf).toEqual({ jkt: await thumbprint(dpopKey) });
  });

  it('requires a proof from a client registered with dpop_bound_access_tokens', async () => {
    const bound = await registerClient(p, { metadata: { dpop_bound_access_tokens: true } });
    const authReqId = await approvedRequest(bound);
    const res = await cibaToken(p, bound, authReqId);
    expect(res.status).toBe(400);
    expect(['invalid_dpop_proof', 'invalid_request']).toContain(res.json.error);
    const ok = await withProof((proof) => cibaToken(p, bound, authReqId, { dpop: proof }), 'POST', tokenUrl(), dpopKey);
    expect(expectOk(ok).token_type).toBe('DPoP');
  });

  it('issues a plain Bearer token when no proof is sent', async () => {
    const authReqId = await approvedRequest();
    const tokens = expectOk(await cibaToken(p, client, authReqId));
    expect(tokens.token_type).toMatch(/^bearer$/i);
    const at = await verifyProviderJwt(p, tokens.access_token);
    expect(at.payload.cnf).toBeUndefined();
  });

  describe('invalid proofs at the token endpoint get invalid_dpop_proof (RFC 9449 §4.3)', () => {
    const bad: [string, () => Promise<string>][] = [
      ['the wrong htm', () => dpopProof(dpopKey, 'GET', tokenUrl(), { nonce })],
      ['the wrong htu', () => dpopProof(dpopKey, 'POST', 'https://elsewhere.example/token', { nonce })],
      ['an iat an hour old', () => dpopProof(dpopKey, 'POST', tokenUrl(), { nonce, iat: nowSeconds() - 3600 })],
      ['an iat an hour ahead', () => dpopProof(dpopKey, 'POST', tokenUrl(), { nonce, iat: nowSeconds() + 3600 })],
      ['typ JWT', () => dpopProof(dpopKey, 'POST', tokenUrl(), { nonce, typ: 'JWT' })],
      [
        'alg none',
        async () =>
          unsignedJwt(
            { htm: 'POST', htu: tokenUrl(), iat: nowSeconds(), jti: randomUUID() },
            { typ: 'dpop+jwt', jwk: dpopKey.publicJwk },
          ),
      ],
      [
        'alg HS256',
        () => hs256Jwt({ htm: 'POST', htu: tokenUrl(), iat: nowSeconds(), jti: randomUUID() }, { typ: 'dpop+jwt' }),
      ],
      [
        'a jwk that does not match the signature',
        async () => {
          const other = await generateTestKey('ES256');
          const { kid: _k, alg: _a, use: _u, ...jwk } = other.publicJwk;
          return dpopProof(dpopKey, 'POST', tokenUrl(), { nonce, jwk });
        },
      ],
      [
        'a private key in the header',
        async () => {
          const jwk = await exportJWK(dpopKey.privateKey);
          return dpopProof(dpopKey, 'POST', tokenUrl(), { nonce, jwk });
        },
      ],
      [
        'no jti',
        async () => {
          const { SignJWT } = await import('jose');
          const { kid: _k, alg: _a, use: _u, ...jwk } = dpopKey.publicJwk;
          return new SignJWT({ htm: 'POST', htu: tokenUrl(), iat: nowSeconds(), ...(nonce ? { nonce } : {}) })
            .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
            .sign(dpopKey.privateKey);
        },
      ],
      ['garbage', async () => 'not.a.jwt'],
    ];
    it.each(bad)('refuses a proof with %s', async (_name, make) => {
      const authReqId = await approvedRequest();
      const res = await cibaToken(p, client, authReqId, { dpop: await make() });
      expectOAuthError(res, 400, 'invalid_dpop_proof');
      // The request stays usable with a good proof.
      const ok = await withProof(
        (proof) => cibaToken(p, client, authReqId, { dpop: proof }),
        'POST',
        tokenUrl(),
        dpopKey,
      );
      expectOk(ok);
    });

    it('refuses a replayed proof (same jti)', async () => {
      const proof = await dpopProof(dpopKey, 'POST', tokenUrl(), { nonce, jti: randomUUID() });
      const a = await approvedRequest();
      const b = await approvedRequest();
      expectOk(await cibaToken(p, client, a, { dpop: proof }));
      expectOAuthError(await cibaToken(p, client, b, { dpop: proof }), 400, 'invalid_dpop_proof');
    });
  });
});
