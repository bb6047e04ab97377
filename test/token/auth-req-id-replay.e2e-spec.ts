import { PATHS } from '@onboard/ciba-core';
import { expectOAuthError, expectOk } from '../support/expect';
import {
  authedPost,
  cibaToken,
  completePollFlow,
  createOwner,
  refresh,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { get } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';

// RFC 6749 §4.1.2, applied to CIBA's auth_req_id: a redeemed auth_req_id presented again is
// refused, and the tokens issued from it stop working.
describe('a replayed auth_req_id', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;
  let other: TestClient;

  const introspect = (token: string) => authedPost(p, client, PATHS.introspection, { token });
  const userinfo = (accessToken: string) => get(p.at(PATHS.userinfo), { authorization: `Bearer ${accessToken}` });

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
    client = await registerClient(p);
    other = await registerClient(p, { authMethod: 'client_secret_post' });
  });
  afterAll(() => p?.close());

  it('gets invalid_grant, and the access and refresh tokens of the first redemption stop working', async () => {
    const { tokens, authReqId } = await completePollFlow(p, client, owner);
    expect(expectOk(await introspect(tokens.access_token)).active).toBe(true);
    expect(expectOk(await userinfo(tokens.access_token)).sub).toBe(owner.sub);

    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'invalid_grant');

    expect(expectOk(await introspect(tokens.access_token))).toEqual({ active: false });
    expect(expectOk(await introspect(tokens.refresh_token))).toEqual({ active: false });
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    expectOAuthError(await refresh(p, client, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('also ends the tokens a refresh made before the replay', async () => {
    const { tokens, authReqId } = await completePollFlow(p, client, owner);
    const rotated = expectOk(await refresh(p, client, tokens.refresh_token));
    expectOAuthError(await cibaToken(p, client, authReqId), 400, 'invalid_grant');
    expect(expectOk(await introspect(rotated.access_token))).toEqual({ active: false });
    expectOAuthError(await refresh(p, client, rotated.refresh_token), 400, 'invalid_grant');
  });

  it('does not touch the tokens when another client presents the auth_req_id', async () => {
    const { tokens, authReqId } = await completePollFlow(p, client, owner);
    expectOAuthError(await cibaToken(p, other, authReqId), 400, 'invalid_grant');
    expect(expectOk(await introspect(tokens.access_token)).active).toBe(true);
    expectOk(await refresh(p, client, tokens.refresh_token));
  });
});
