import { PATHS } from '@onboard/ciba-core';
import { expectOAuthError } from '../support/expect';
import {
  backchannel,
  createOwner,
  registerClient,
  requestsOf,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { get, type HttpResult } from '../support/http';
import { DEFAULT_LIMITS_ENV, startProvider, type TestProvider } from '../support/provider';

// README, "Limits": approval fatigue. One client may place 10 new requests per minute on one
// owner (CLIENT_OWNER_REQUEST_LIMIT, CLIENT_OWNER_REQUEST_WINDOW; more: 429 slow_down with
// Retry-After), and an owner has at most 20 pending requests (OWNER_PENDING_LIMIT; more: 403
// access_denied). The owner-device list comes in pages, newest first.
const flood = (p: TestProvider, client: TestClient, owner: TestOwner, n: number) =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: `FLOOD-${i}` }),
    ),
  );
const count = (answers: HttpResult[], status: number) => answers.filter((res) => res.status === status).length;

describe('approval fatigue at the default limits', () => {
  let p: TestProvider;
  let client: TestClient;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { ...DEFAULT_LIMITS_ENV } });
    client = await registerClient(p, { authMethod: 'client_secret_basic' });
  });
  afterAll(() => p?.close());

  it('takes 10 of 500 requests one client sends for one owner at once and refuses the rest with 429 slow_down', async () => {
    const owner = await createOwner(p);
    const answers = await flood(p, client, owner, 500);
    expect(count(answers, 200)).toBe(10);
    expect(count(answers, 429)).toBe(490);
    const refused = answers.find((res) => res.status === 429)!;
    expectOAuthError(refused, 429, 'slow_down');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json.error_description).toMatch(/at most 10 per 60 seconds/);
    // what reached the phone
    expect(await owner.device.pending()).toHaveLength(10);
    // another client, and another owner, have rates of their own
    const other = await registerClient(p, { authMethod: 'client_secret_basic' });
    expect((await backchannel(p, other, { scope: 'openid', login_hint: owner.email })).status).toBe(200);
    const bob = await createOwner(p);
    expect((await backchannel(p, client, { scope: 'openid', login_hint: bob.email })).status).toBe(200);
    const metrics = (await get(p.at(PATHS.metrics))).text;
    expect(metrics).toContain('onboard_limit_events_total{limit="client_owner_requests",event="refused"} 490');
  });
});

describe('pending requests per owner (OWNER_PENDING_LIMIT 20)', () => {
  let p: TestProvider;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { ...DEFAULT_LIMITS_ENV, CLIENT_OWNER_REQUEST_LIMIT: '1000' } });
  });
  afterAll(() => p?.close());

  it('keeps at most 20 pending for one owner, refuses more with 403 access_denied, and takes one again once one is answered', async () => {
    const owner = await createOwner(p);
    const clients = await Promise.all([1, 2, 3].map(() => registerClient(p, { authMethod: 'client_secret_basic' })));
    const answers = (await Promise.all(clients.map((c) => flood(p, c, owner, 40)))).flat();
    expect(count(answers, 200)).toBe(20);
    expect(count(answers, 403)).toBe(100);
    const denied = answers.find((res) => res.status === 403)!;
    expectOAuthError(denied, 403, 'access_denied');
    expect(denied.json.error_description).toBe('the user already has 20 requests waiting for a decision');
    const pending = await owner.device.pending();
    expect(pending).toHaveLength(20);
    expect((await owner.device.decide(pending[0].id, 'deny')).status).toBe(200);
    expect((await backchannel(p, clients[0], { scope: 'openid', login_hint: owner.email })).status).toBe(200);
    expectOAuthError(
      await backchannel(p, clients[1], { scope: 'openid', login_hint: owner.email }),
      403,
      'access_denied',
    );
    const metrics = (await get(p.at(PATHS.metrics))).text;
    expect(metrics).toContain('onboard_limit_events_total{limit="owner_pending",event="refused"} 101');
  });
});

describe('owner-device request list pages (limit, cursor, newest first)', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;
  const list = (query: string) =>
    get(p.at(`${PATHS.ownerDevice}/requests${query}`), { authorization: `Bearer ${owner.device.credential}` });

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
    client = await registerClient(p, { authMethod: 'client_secret_basic' });
    // one at a time, so their creation times are in this order
    for (let i = 0; i < 25; i++) {
      expect(
        (await backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: `P-${i}` })).status,
      ).toBe(200);
    }
  });
  afterAll(() => p?.close());

  it('returns 20 requests by default, newest first, with a cursor to the rest', async () => {
    const first = await list('');
    expect(first.status).toBe(200);
    const messages = requestsOf(first.json).map((r) => r.binding_message);
    expect(messages).toEqual(Array.from({ length: 20 }, (_, i) => `P-${24 - i}`));
    expect(typeof first.json.next_cursor).toBe('string');
    const rest = await list(`?cursor=${encodeURIComponent(first.json.next_cursor)}`);
    expect(requestsOf(rest.json).map((r) => r.binding_message)).toEqual(['P-4', 'P-3', 'P-2', 'P-1', 'P-0']);
    expect(rest.json.next_cursor).toBeUndefined();
  });

  it('honours ?limit and walks every request exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await list(`?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      expect(requestsOf(res.json).length).toBeLessThanOrEqual(7);
      seen.push(...requestsOf(res.json).map((r) => r.binding_message));
      cursor = res.json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `P-${24 - i}`));
  });

  it('refuses a limit out of range, a repeated one and a cursor it did not make', async () => {
    for (const query of ['?limit=0', '?limit=101', '?limit=abc', '?limit=2&limit=3', '?cursor=bm90LWEtY3Vyc29y']) {
      const res = await list(query);
      expectOAuthError(res, 400, 'invalid_request');
    }
    expect((await list('?limit=101')).json.error_description).toBe('limit must be a whole number from 1 to 100');
  });
});
