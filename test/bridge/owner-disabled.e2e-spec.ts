import { randomUUID } from 'node:crypto';
import { PATHS } from '@onboard/ciba-core';
import { createOwner, type TestOwner } from '../support/fixtures';
import { get, sendJson } from '../support/http';
import { clientAssertion, dpopProof, sha256b64u } from '../support/jose-helpers';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { connectHeadUnit, startRelayBridge, type MqttHeadUnit, type TestBridge } from '../support/bridge';

// A head-unit paired with an owner learns that the owner was disabled on its next request
// through the bridge (docs/protocol.md §6.6 and §7): its pending verification ends `denied`,
// a refresh `failed` with `invalid_grant`, a new verification `failed` with `unknown_user_id`.
describe('an owner disabled while head-units are paired with them', () => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let dir: string;

  const admin = (path: string) =>
    sendJson('POST', provider.at(`${PATHS.admin}${path}`), undefined, {
      authorization: `Bearer ${provider.adminToken}`,
    });

  beforeAll(async () => {
    dir = makeTempDir();
    provider = await startProvider();
    bridge = await startRelayBridge(provider, { dir });
  });
  afterAll(async () => {
    await bridge.close();
    await provider.close();
    removeTempDir(dir);
  });

  /** A verification the owner approves; returns the decrypted token response. */
  async function pair(device: MqttHeadUnit, owner: TestOwner): Promise<Record<string, any>> {
    const { requestId, bindingMessage } = await device.requestVerification(owner.email);
    await device.waitFor('ack', requestId);
    await owner.device.approve(bindingMessage);
    const result = await device.waitFor('result', requestId);
    expect(result.json.status).toBe('approved');
    return device.decrypt(result.json.encrypted_token_response);
  }

  async function refreshOverMqtt(device: MqttHeadUnit, refreshToken: string) {
    const requestId = randomUUID();
    await device.publish(
      'refresh',
      JSON.stringify({
        request_id: requestId,
        refresh_token: refreshToken,
        client_assertion: await clientAssertion(device.unit.sig, device.unit.deviceId, provider.issuer + PATHS.token),
        dpop: await dpopProof(device.unit.sig, 'POST', provider.issuer + PATHS.token),
      }),
    );
    return (await device.waitFor('result', requestId)).json;
  }

  async function userinfo(device: MqttHeadUnit, accessToken: string) {
    return get(provider.at(PATHS.userinfo), {
      authorization: `DPoP ${accessToken}`,
      dpop: await dpopProof(device.unit.sig, 'GET', provider.issuer + PATHS.userinfo, { ath: sha256b64u(accessToken) }),
    });
  }

  it('ends the pending verification as denied, refuses the refresh and a new verification', async () => {
    const owner = await createOwner(provider);
    const device = await connectHeadUnit(provider, bridge);
    try {
      const tokens = await pair(device, owner);
      expect((await userinfo(device, tokens.access_token)).status).toBe(200);
      const pending = await device.requestVerification(owner.email);
      await device.waitFor('ack', pending.requestId);

      expect((await admin(`/owners/${encodeURIComponent(owner.sub)}/disable`)).status).toBe(200);

      // the verification waiting for the owner is answered at once
      const denied = await device.waitFor('result', pending.requestId);
      expect(denied.json).toMatchObject({ request_id: pending.requestId, status: 'denied', error: 'access_denied' });
      expect(denied.json.encrypted_token_response).toBeUndefined();

      // the head-unit's next refresh is refused, and its access token no longer works
      expect(await refreshOverMqtt(device, tokens.refresh_token)).toMatchObject({
        status: 'failed',
        error: 'invalid_grant',
      });
      const info = await userinfo(device, tokens.access_token);
      expect(info.status).toBe(401);
      expect(info.json?.error).toBe('invalid_token');

      // a new verification for that owner fails like one for nobody
      const again = await device.requestVerification(owner.email);
      const refused = await device.waitFor('result', again.requestId);
      expect(refused.json).toMatchObject({ status: 'failed', error: 'unknown_user_id' });
      expect(device.count('ack', again.requestId)).toBe(0);
    } finally {
      await device.disconnect();
    }
  });

  it('keeps the old tokens dead after the owner is enabled again; a new pairing works', async () => {
    const owner = await createOwner(provider);
    const device = await connectHeadUnit(provider, bridge);
    try {
      const tokens = await pair(device, owner);
      expect((await admin(`/owners/${encodeURIComponent(owner.sub)}/disable`)).status).toBe(200);
      expect((await admin(`/owners/${encodeURIComponent(owner.sub)}/enable`)).status).toBe(200);

      expect(await refreshOverMqtt(device, tokens.refresh_token)).toMatchObject({
        status: 'failed',
        error: 'invalid_grant',
      });
      expect((await userinfo(device, tokens.access_token)).status).toBe(401);

      const fresh = await pair(device, owner);
      expect((await userinfo(device, fresh.access_token)).status).toBe(200);
      expect(await refreshOverMqtt(device, fresh.refresh_token)).toMatchObject({ status: 'refreshed' });
    } finally {
      await device.disconnect();
    }
  });
});
