import { randomBytes } from 'node:crypto';
import { PATHS } from '@onboard/ciba-core';
import { expectOAuthError, expectOk } from '../support/expect';
import {
  addOwnerDevice,
  authedPost,
  backchannel,
  bindingMessage,
  cibaToken,
  completePollFlow,
  createOwner,
  refresh,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { get, sendJson, type HttpResult } from '../support/http';
import { NotificationListener } from '../support/notification-listener';
import { startProvider, type TestProvider } from '../support/provider';

// Disabling an owner ends everything of theirs at once: refresh tokens, access tokens and
// pending requests; re-enabling them brings none of it back.
describe('disabling and re-enabling an owner', () => {
  let p: TestProvider;
  let listener: NotificationListener;
  let poll: TestClient;

  const admin = (path: string, body?: unknown) =>
    sendJson('POST', p.at(`${PATHS.admin}${path}`), body, { authorization: `Bearer ${p.adminToken}` });
  const disable = (owner: TestOwner) => admin(`/owners/${encodeURIComponent(owner.sub)}/disable`);
  const enable = (owner: TestOwner) => admin(`/owners/${encodeURIComponent(owner.sub)}/enable`);
  const introspect = (token: string, client: TestClient = poll) =>
    authedPost(p, client, PATHS.introspection, { token });
  const userinfo = (accessToken: string) => get(p.at(PATHS.userinfo), { authorization: `Bearer ${accessToken}` });

  beforeAll(async () => {
    listener = await new NotificationListener().start();
    p = await startProvider();
    poll = await registerClient(p);
  });
  afterAll(async () => {
    await p?.close();
    await listener?.close();
  });

  async function expectDead(tokens: Record<string, any>, client: TestClient = poll): Promise<void> {
    expectOAuthError(await refresh(p, client, tokens.refresh_token), 400, 'invalid_grant');
    expect(expectOk(await introspect(tokens.access_token, client))).toEqual({ active: false });
    expect(expectOk(await introspect(tokens.refresh_token, client))).toEqual({ active: false });
    const info: HttpResult = await userinfo(tokens.access_token);
    expect(info.status).toBe(401);
    expect(info.json?.error).toBe('invalid_token');
  }

  it('refuses refresh, introspects inactive and fails userinfo for tokens issued before the disable', async () => {
    const owner = await createOwner(p);
    const { tokens } = await completePollFlow(p, poll, owner, { scope: 'openid email' });
    // a refresh before the disable works and rotates: both generations must die
    const rotated = expectOk(await refresh(p, poll, tokens.refresh_token));
    expect(expectOk(await introspect(rotated.access_token)).active).toBe(true);

    const res = await disable(owner);
    expect(expectOk(res)).toMatchObject({ sub: owner.sub, disabled: true });

    await expectDead(rotated);
    expect(expectOk(await introspect(tokens.access_token))).toEqual({ active: false });
  });

  it('ends pending requests as denied: ping and push clients are told, poll clients get access_denied', async () => {
    const owner = await createOwner(p);
    const ping = await registerClient(p, { mode: 'ping', notificationEndpoint: listener.url('/disable-ping') });
    const push = await registerClient(p, { mode: 'push', notificationEndpoint: listener.url('/disable-push') });
    const ask = async (client: TestClient) => {
      const token = randomBytes(24).toString('base64url');
      const ack = expectOk(
        await backchannel(p, client, {
          scope: 'openid',
          login_hint: owner.email,
          binding_message: bindingMessage(),
          ...(client.mode === 'poll' ? {} : { client_notification_token: token }),
        }),
      );
      return { authReqId: ack.auth_req_id as string, token };
    };
    const pinged = await ask(ping);
    const pushed = await ask(push);
    const polled = await ask(poll);
    expect(await owner.device.pending()).toHaveLength(3);

    expectOk(await disable(owner));

    const [pingCall] = await listener.waitFor('/disable-ping');
    expect(pingCall.authorization).toBe(`Bearer ${pinged.token}`);
    expect(pingCall.json).toEqual({ auth_req_id: pinged.authReqId });
    expectOAuthError(await cibaToken(p, ping, pinged.authReqId), 400, 'access_denied');

    const [pushCall] = await listener.waitFor('/disable-push');
    expect(pushCall.authorization).toBe(`Bearer ${pushed.token}`);
    expect(pushCall.json).toMatchObject({ auth_req_id: pushed.authReqId, error: 'access_denied' });
    expect(pushCall.json.access_token).toBeUndefined();

    expectOAuthError(await cibaToken(p, poll, polled.authReqId), 400, 'access_denied');

    const audit = expectOk(
      await get(p.at(`${PATHS.admin}/audit?sub=${encodeURIComponent(owner.sub)}`), {
        authorization: `Bearer ${p.adminToken}`,
      }),
    );
    const denials = audit.events.filter((e: any) => e.type === 'auth_request.denied');
    expect(denials).toHaveLength(3);
    for (const event of denials) expect(event.data).toMatchObject({ reason: 'owner_disabled' });
  });

  it('refuses the tokens of a request approved before the disable and not yet redeemed', async () => {
    const owner = await createOwner(p);
    const bm = bindingMessage();
    const ack = expectOk(await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, binding_message: bm }));
    await owner.device.approve(bm);
    expectOk(await disable(owner));
    expectOAuthError(await cibaToken(p, poll, ack.auth_req_id), 400, 'access_denied');
  });

  it('refuses new requests and the owner devices while disabled', async () => {
    const owner = await createOwner(p);
    expectOk(await disable(owner));
    expectOAuthError(
      await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, binding_message: bindingMessage() }),
      400,
      'unknown_user_id',
    );
    expect((await owner.device.list()).status).toBe(401);
  });

  it('does not bring old tokens back on re-enable; new flows work again', async () => {
    const owner = await createOwner(p);
    const { tokens } = await completePollFlow(p, poll, owner, { scope: 'openid' });
    expectOk(await disable(owner));
    const res = await enable(owner);
    expect(expectOk(res)).toMatchObject({ sub: owner.sub, disabled: false });

    await expectDead(tokens);

    // the owner's device works again, and a new grant is alive
    const fresh = await completePollFlow(p, poll, owner, { scope: 'openid' });
    expect(expectOk(await introspect(fresh.tokens.access_token)).active).toBe(true);
    expect(expectOk(await userinfo(fresh.tokens.access_token)).sub).toBe(owner.sub);
    const refreshed = expectOk(await refresh(p, poll, fresh.tokens.refresh_token));
    expect(expectOk(await introspect(refreshed.refresh_token)).active).toBe(true);
  });

  it('keeps the owner disabled across a repeated disable and lets a new device be added only when enabled', async () => {
    const owner = await createOwner(p);
    expectOk(await disable(owner));
    expectOk(await disable(owner));
    await expect(addOwnerDevice(p, owner.sub)).rejects.toThrow(/409/);
    expectOk(await enable(owner));
    await addOwnerDevice(p, owner.sub);
  });

  it('answers 404 for an unknown owner', async () => {
    expectOAuthError(await admin('/owners/nobody-at-all/disable'), 404, 'not_found');
    expectOAuthError(await admin('/owners/nobody-at-all/enable'), 404, 'not_found');
  });
});
