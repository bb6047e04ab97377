import {
  makeClient,
  makeDevice,
  makeOwner,
  makeRequest,
  testContext,
  type TestContext,
} from '../delivery/testing.helper';
import type { AuthRequest } from '../domain/auth-request';
import type { WireRequest } from '../wire/wire';
import { hashCredential } from './authenticate-owner-device';
import {
  handleOwnerDeviceDecision,
  handleOwnerDeviceGetRequest,
  handleOwnerDeviceListRequests,
  type OwnerRequestView,
} from './owner-device.handlers';

const BASE = 'https://op.example/owner-device/v1/requests';

describe('owner-device API', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = testContext();
    await ctx.stores.clients.save(makeClient());
    await ctx.stores.owners.save(makeOwner());
    await ctx.stores.owners.save(makeOwner({ sub: 'bob', email: 'bob@example.com' }));
    await ctx.stores.owners.saveDevice(makeDevice({ credentialHash: hashCredential('alice-device-credential') }));
    await ctx.stores.owners.saveDevice(
      makeDevice({ id: 'device-2', sub: 'bob', credentialHash: hashCredential('bob-device-credential') }),
    );
  });

  const req = (
    method: string,
    url = BASE,
    extra: Partial<WireRequest> = {},
    credential = 'alice-device-credential',
  ): WireRequest => ({
    method,
    url,
    headers: { authorization: `Bearer ${credential}`, ...(extra.headers ?? {}) },
    rawBody: extra.rawBody,
  });

  const seed = async (patch: Partial<AuthRequest> = {}) => {
    const request = makeRequest(ctx.clock.now(), {
      bindingMessage: 'ABC-123',
      acrValues: ['urn:onboard:acr:passkey'],
      authorizationDetails: [{ type: 'vehicle_access', actions: ['unlock'] }],
      ...patch,
    });
    await ctx.stores.authRequests.create(request);
    return request;
  };

  describe('authentication', () => {
    it('answers 401 with a bare Bearer challenge when the credential is missing', async () => {
      const res = await handleOwnerDeviceListRequests(ctx, { method: 'GET', url: BASE, headers: {} });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="owner-device"');
      expect(res.body).toMatchObject({ error: 'invalid_token' });
    });

    it('answers 401 invalid_token for an unknown credential', async () => {
      const res = await handleOwnerDeviceListRequests(ctx, req('GET', BASE, {}, 'guessed'));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('refuses a disabled device', async () => {
      await ctx.stores.owners.saveDevice(
        makeDevice({ credentialHash: hashCredential('alice-device-credential'), disabled: true }),
      );
      expect((await handleOwnerDeviceListRequests(ctx, req('GET'))).status).toBe(401);
    });

    it('refuses the device of a disabled owner', async () => {
      await ctx.stores.owners.save(makeOwner({ disabled: true }));
      expect((await handleOwnerDeviceListRequests(ctx, req('GET'))).status).toBe(401);
    });
  });

  describe('listing', () => {
    it('lists the owner’s pending requests with what the owner needs to decide', async () => {
      const request = await seed();
      await seed({ sub: 'bob' });
      await seed({ status: 'approved' });
      const res = await handleOwnerDeviceListRequests(ctx, req('GET'));
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const { requests } = res.body as { requests: OwnerRequestView[] };
      expect(requests).toEqual([
        {
          id: request.id,
          status: 'pending',
          client_id: 'client-1',
          client_name: 'Car Rental',
          binding_message: 'ABC-123',
          scope: ['openid', 'profile'],
          acr_values: ['urn:onboard:acr:passkey'],
          authorization_details: [{ type: 'vehicle_access', actions: ['unlock'] }],
          created_at: new Date(request.createdAt).toISOString(),
          expires_at: new Date(request.expiresAt).toISOString(),
          expires_in: 300,
          client: { name: 'Car Rental' },
        },
      ]);
    });

    it('leaves expired requests out', async () => {
      await seed({ expiresAt: ctx.clock.now() - 1 });
      const res = await handleOwnerDeviceListRequests(ctx, req('GET'));
      expect((res.body as { requests: unknown[] }).requests).toEqual([]);
    });

    it('holds an empty list open until a request for the owner arrives', async () => {
      const pending = handleOwnerDeviceListRequests(ctx, req('GET', `${BASE}?wait=20`));
      await new Promise((r) => setTimeout(r, 20));
      const request = await seed();
      ctx.signals.ownerRequestCreated('alice');
      const res = await pending;
      expect((res.body as { requests: OwnerRequestView[] }).requests.map((r) => r.id)).toEqual([request.id]);
      expect(ctx.signals.waiterCount()).toEqual({ completion: 0, owner: 0 });
    });

    it('returns at once and leaves no waiter behind when requests are already pending', async () => {
      await seed();
      const started = Date.now();
      const res = await handleOwnerDeviceListRequests(ctx, req('GET', `${BASE}?wait=30`));
      expect(Date.now() - started).toBeLessThan(500);
      expect((res.body as { requests: unknown[] }).requests).toHaveLength(1);
      expect(ctx.signals.waiterCount().owner).toBe(0);
    });

    it('refuses a malformed wait parameter', async () => {
      const res = await handleOwnerDeviceListRequests(ctx, req('GET', `${BASE}?wait=soon`));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request' });
    });

    it('refuses other methods with 405', async () => {
      expect((await handleOwnerDeviceListRequests(ctx, req('POST'))).status).toBe(405);
    });
  });

  describe('one request', () => {
    it('returns the owner’s request in any state', async () => {
      const request = await seed({ status: 'denied' });
      const res = await handleOwnerDeviceGetRequest(ctx, req('GET', `${BASE}/${request.id}`), request.id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: request.id, status: 'denied' });
    });

    it('answers 404 for another owner’s request', async () => {
      const request = await seed({ sub: 'bob' });
      const res = await handleOwnerDeviceGetRequest(ctx, req('GET', `${BASE}/${request.id}`), request.id);
      expect(res.status).toBe(404);
    });
  });

  describe('decisions', () => {
    const json = (body: unknown): Partial<WireRequest> => ({
      headers: { 'content-type': 'application/json' },
      rawBody: Buffer.from(JSON.stringify(body)),
    });

    it('approves with an empty body', async () => {
      const request = await seed();
      const res = await handleOwnerDeviceDecision(
        ctx,
        req('POST', `${BASE}/${request.id}/approve`),
        request.id,
        'approve',
      );
      expect(res).toMatchObject({ status: 200, body: { id: request.id, status: 'approved' } });
      expect(await ctx.stores.authRequests.find(request.id)).toMatchObject({
        status: 'approved',
        approvedBy: 'device-1',
      });
    });

    it('refuses a bearer device that claims the passkey acr, which only the provider sets', async () => {
      const request = await seed();
      const body = { acr: 'urn:onboard:acr:passkey', amr: ['hwk', 'user'] };
      const res = await handleOwnerDeviceDecision(ctx, req('POST', BASE, json(body)), request.id, 'approve');
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('pending');
    });

    it('approves with the acr and amr the device verified', async () => {
      const request = await seed();
      const body = { acr: 'urn:onboard:acr:device', amr: ['hwk', 'user'] };
      const res = await handleOwnerDeviceDecision(ctx, req('POST', BASE, json(body)), request.id, 'approve');
      expect(res.status).toBe(200);
      expect(await ctx.stores.authRequests.find(request.id)).toMatchObject(body);
    });

    it('refuses an unsupported acr without changing the request', async () => {
      const request = await seed();
      const res = await handleOwnerDeviceDecision(
        ctx,
        req('POST', BASE, json({ acr: 'loa-9000' })),
        request.id,
        'approve',
      );
      expect(res.status).toBe(400);
      expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('pending');
    });

    it('refuses a body that is not JSON', async () => {
      const request = await seed();
      const res = await handleOwnerDeviceDecision(
        ctx,
        req('POST', BASE, { headers: { 'content-type': 'application/json' }, rawBody: Buffer.from('{') }),
        request.id,
        'approve',
      );
      expect(res.status).toBe(400);
    });

    it('denies', async () => {
      const request = await seed();
      const res = await handleOwnerDeviceDecision(ctx, req('POST'), request.id, 'deny');
      expect(res).toMatchObject({ status: 200, body: { status: 'denied' } });
    });

    it('denies with "this wasn\'t me": the request and the audit log are flagged', async () => {
      const request = await seed();
      const res = await handleOwnerDeviceDecision(
        ctx,
        req('POST', BASE, json({ reason: 'not_me' })),
        request.id,
        'deny',
      );
      expect(res).toMatchObject({ status: 200, body: { status: 'denied' } });
      expect((await ctx.stores.authRequests.find(request.id))?.denialReason).toBe('not_me');
      const [event] = await ctx.stores.audit.list({ authRequestId: request.id });
      expect(event).toMatchObject({ type: 'auth_request.denied', data: { reason: 'not_me', flagged: true } });
    });

    it('refuses an unknown denial reason', async () => {
      const request = await seed();
      const res = await handleOwnerDeviceDecision(
        ctx,
        req('POST', BASE, json({ reason: 'bored' })),
        request.id,
        'deny',
      );
      expect(res.status).toBe(400);
      expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('pending');
    });

    it('answers 404 when another owner’s device answers', async () => {
      const request = await seed();
      const res = await handleOwnerDeviceDecision(
        ctx,
        req('POST', BASE, {}, 'bob-device-credential'),
        request.id,
        'approve',
      );
      expect(res.status).toBe(404);
      expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('pending');
    });

    it('answers 409 for a second answer and for an expired request', async () => {
      const answered = await seed();
      await handleOwnerDeviceDecision(ctx, req('POST'), answered.id, 'approve');
      expect((await handleOwnerDeviceDecision(ctx, req('POST'), answered.id, 'deny')).status).toBe(409);
      const expired = await seed({ expiresAt: ctx.clock.now() - 1 });
      const res = await handleOwnerDeviceDecision(ctx, req('POST'), expired.id, 'approve');
      expect(res).toMatchObject({
        status: 409,
        body: { error: 'conflict', error_description: 'the authentication request has expired' },
      });
    });
  });
});
