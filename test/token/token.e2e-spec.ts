import { PATHS } from '@onboard/ciba-core';
import { postForm } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  authedPost,
  backchannel,
  bindingMessage,
  CIBA_GRANT,
  cibaToken,
  completePollFlow,
  createOwner,
  refresh,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOAuthError, expectOk, verifyProviderJwt } from '../support/expect';
import { sleep } from '../support/http';

// Token endpoint with the CIBA grant (CIBA §10.1, §11) and the refresh-token grant (RFC 6749 §6).
describe('token endpoint (CIBA §10.1, §11)', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;
  let basic: TestClient;

  const start = async (c: TestClient = client, extra: Record<string, string> = {}) => {
    const bm = bindingMessage();
    const ack = expectOk(
      await backchannel(p, c, {
        scope: 'openid offline_access',
        login_hint: owner.email,
        binding_message: bm,
        ...extra,
      }),
    );
    return { authReqId: ack.auth_req_id as string, bm, ack };
  };

  beforeAll(async () => {
    p = await startProvider();
    owner = await createOwner(p);
    client = await registerClient(p);
    basic = await registerClient(p, { authMethod: 'client_secret_basic' });
  });
  afterAll(() => p?.close());

  it('answers authorization_pending while the owner has not decided, never cached', async () => {
    const { authReqId } = await start();
    const res = await cibaToken(p, client, authReqId);
    expectOAuthError(res, 400, 'authorization_pending');
    expect(res.headers['cache-control']).toContain('no-store');
  });

  it('answers slow_down when polled faster than the interval; the interval grows by 5 s and stays grown', async () => {
    const { authReqId } = await start();
    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'authorization_pending');
    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'slow_down'); // interval 1 → 6
    await sleep(6300);
    // The grown interval (6 s) has passed: a normal answer again.
    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'authorization_pending');
    await sleep(1300);
    // 1.3 s would satisfy the original 1 s interval, not the grown one: it stayed grown.
    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'slow_down');
  }, 20_000);

  it('answers expired_token once the request has expired', async () => {
    const { authReqId } = await start(client, { requested_expiry: '1' });
    await sleep(1600);
    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'expired_token');
  });

  it('answers access_denied after the owner denied', async () => {
    const { authReqId, bm } = await start();
    await owner.device.deny(bm);
    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'access_denied');
  });

  it('issues tokens once after approval; the consumed auth_req_id then gets invalid_grant', async () => {
    const { authReqId, bm } = await start();
    await owner.device.approve(bm);
    const res = await cibaToken(p, client, authReqId);
    const tokens = expectOk(res);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(tokens.token_type).toMatch(/^bearer$/i);
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(typeof tokens.refresh_token).toBe('string');
    await sleep(1100);
    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'invalid_grant');
  });

  it('issues tokens exactly once when the same approved auth_req_id is redeemed concurrently', async () => {
    const { authReqId, bm } = await start();
    await owner.device.approve(bm);
    const results = await Promise.all(Array.from({ length: 6 }, () => cibaToken(p, client, authReqId)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(400);
      expect(['invalid_grant', 'slow_down']).toContain(r.json.error);
    }
  });

  it('signs an ID token for the client and owner, and an RFC 9068 access token', async () => {
    const { tokens } = await completePollFlow(p, client, owner);
    const id = await verifyProviderJwt(p, tokens.id_token, { audience: client.clientId });
    expect(id.payload.sub).toBe(owner.sub);
    expect(typeof id.payload.auth_time).toBe('number');
    // OIDC Registration §2: RS256 for a client that registered no id_token_signed_response_alg.
    expect(id.header.alg).toBe('RS256');
    expect(client.registration.id_token_signed_response_alg).toBe('RS256');
    const at = await verifyProviderJwt(p, tokens.access_token, { typ: 'at+jwt' });
    expect(at.payload.sub).toBe(owner.sub);
    expect(at.payload.client_id).toBe(client.clientId);
    expect(typeof at.payload.jti).toBe('string');
    expect(String(at.payload.scope).split(' ')).toContain('openid');
  });

  it('returns the acr and amr a bearer-credential owner device achieved, never the passkey acr (CIBA §7.1 acr_values)', async () => {
    const bm = bindingMessage();
    const ack = expectOk(
      await backchannel(p, client, {
        scope: 'openid',
        login_hint: owner.email,
        binding_message: bm,
        acr_values: 'urn:onboard:acr:device urn:onboard:acr:passkey',
      }),
    );
    const entry = (await owner.device.pending()).find((r) => r.binding_message === bm);
    expect(entry.acr_values).toEqual(['urn:onboard:acr:device', 'urn:onboard:acr:passkey']);
    // Only the provider's own WebAuthn verification sets the passkey acr (test/owner-app).
    const claimed = await owner.device.decide(entry.id, 'approve', { acr: 'urn:onboard:acr:passkey' });
    expect(claimed.status).toBe(400);
    const decided = await owner.device.decide(entry.id, 'approve', {
      acr: 'urn:onboard:acr:device',
      amr: ['hwk', 'user'],
    });
    expect(decided.status).toBeLessThan(300);
    const tokens = expectOk(await cibaToken(p, client, ack.auth_req_id));
    const id = await verifyProviderJwt(p, tokens.id_token, { audience: client.clientId });
    expect(id.payload.acr).toBe('urn:onboard:acr:device');
    expect(id.payload.amr).toEqual(['hwk', 'user']);
  });

  it('answers invalid_grant for an unknown auth_req_id', async () => {
    expectOAuthError(await cibaToken(p, client, 'no-such-request-aaaaaaaaaaaaaaaaaaaaa'), 400, 'invalid_grant');
  });

  it("answers invalid_grant for another client's auth_req_id, and does not disturb it", async () => {
    const { authReqId, bm } = await start();
    expectOAuthError(await cibaToken(p, basic, authReqId), 400, 'invalid_grant');
    await owner.device.approve(bm);
    expectOk(await cibaToken(p, client, authReqId));
  });

  it('answers invalid_request without auth_req_id', async () => {
    expectOAuthError(await authedPost(p, client, PATHS.token, { grant_type: CIBA_GRANT }), 400, 'invalid_request');
  });

  it('answers unsupported_grant_type for an unknown grant', async () => {
    expectOAuthError(
      await authedPost(p, client, PATHS.token, { grant_type: 'password', username: 'a', password: 'b' }),
      400,
      'unsupported_grant_type',
    );
  });

  it('answers invalid_client 401 without client authentication', async () => {
    const { authReqId } = await start();
    expectOAuthError(
      await postForm(p.at(PATHS.token), { grant_type: CIBA_GRANT, auth_req_id: authReqId }),
      401,
      'invalid_client',
    );
  });

  it('answers unauthorized_client when a push-mode client uses the CIBA grant', async () => {
    const push = await registerClient(p, { mode: 'push', notificationEndpoint: 'http://127.0.0.1:9/cb' });
    const ack = expectOk(
      await backchannel(p, push, {
        scope: 'openid',
        login_hint: owner.email,
        client_notification_token: 'a'.repeat(40),
      }),
    );
    expectOAuthError(await cibaToken(p, push, ack.auth_req_id), 400, 'unauthorized_client');
  });

  describe('refresh token grant (RFC 6749 §6)', () => {
    it('rotates the refresh token and detects reuse by revoking the whole family', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      const first = expectOk(await refresh(p, client, tokens.refresh_token));
      expect(first.refresh_token).not.toBe(tokens.refresh_token);
      expect(first.access_token).not.toBe(tokens.access_token);
      // The old token is reused: invalid_grant, and the rotated one dies with it.
      expectOAuthError(await refresh(p, client, tokens.refresh_token), 400, 'invalid_grant');
      expectOAuthError(await refresh(p, client, first.refresh_token), 400, 'invalid_grant');
    });

    it('keeps working along a rotation chain', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      let rt = tokens.refresh_token;
      for (let i = 0; i < 3; i++) {
        const next = expectOk(await refresh(p, client, rt));
        rt = next.refresh_token;
        const id = await verifyProviderJwt(p, next.access_token);
        expect(id.payload.sub).toBe(owner.sub);
      }
    });

    it('refuses a refresh token presented by another client', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      expectOAuthError(await refresh(p, basic, tokens.refresh_token), 400, 'invalid_grant');
      // and the owner of the token can still use it
      expectOk(await refresh(p, client, tokens.refresh_token));
    });

    it('lets exactly one of two concurrent refreshes with the same token win', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      const results = await Promise.all([
        refresh(p, client, tokens.refresh_token),
        refresh(p, client, tokens.refresh_token),
      ]);
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      for (const r of results.filter((x) => x.status !== 200)) expectOAuthError(r, 400, 'invalid_grant');
    });

    it('refuses an unknown refresh token', async () => {
      expectOAuthError(await refresh(p, client, 'not-a-refresh-token'), 400, 'invalid_grant');
    });
  });
});

describe('long polling at the token endpoint', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { CIBA_LONG_POLL_SECONDS: '10', CIBA_POLL_INTERVAL: '2' } });
    owner = await createOwner(p);
    client = await registerClient(p);
  });
  afterAll(() => p?.close());

  it('returns the tokens promptly when the owner approves during a waiting poll', async () => {
    const bm = bindingMessage();
    const ack = expectOk(
      await backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: bm }),
    );
    const started = Date.now();
    const pendingToken = cibaToken(p, client, ack.auth_req_id);
    await sleep(400);
    const approvedAt = Date.now();
    await owner.device.approve(bm);
    const res = await pendingToken;
    expectOk(res);
    expect(Date.now() - approvedAt).toBeLessThan(1500);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('returns access_denied promptly when the owner denies during a waiting poll', async () => {
    const bm = bindingMessage();
    const ack = expectOk(
      await backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: bm }),
    );
    const pendingToken = cibaToken(p, client, ack.auth_req_id);
    await sleep(300);
    const deniedAt = Date.now();
    await owner.device.deny(bm);
    expectOAuthError(await pendingToken, 400, 'access_denied');
    expect(Date.now() - deniedAt).toBeLessThan(1500);
  });
});
