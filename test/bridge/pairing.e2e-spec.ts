import { PATHS } from '@onboard/ciba-core';
import { createOwner, type TestOwner } from '../support/fixtures';
import { get } from '../support/http';
import { clientAssertion, dpopProof, generateTestKey, sha256b64u } from '../support/jose-helpers';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { MqttHeadUnit, connectHeadUnit, startRelayBridge, type TestBridge } from '../support/bridge';

describe('pairing through the MQTT bridge', () => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let dir: string;

  beforeAll(async () => {
    dir = makeTempDir();
    provider = await startProvider();
    bridge = await startRelayBridge(provider, { dir });
    owner = await createOwner(provider);
  });
  afterAll(async () => {
    await bridge.close();
    await provider.close();
    removeTempDir(dir);
  });

  const connectedHeadUnit = () => connectHeadUnit(provider, bridge);

  it('delivers encrypted tokens to the device once the owner approves, with an ID token the device verifies', async () => {
    const device = await connectedHeadUnit();
    try {
      const { requestId, bindingMessage } = await device.requestVerification(owner.email);
      const ack = await device.waitFor('ack', requestId);
      expect(ack.json).toEqual({
        request_id: requestId,
        auth_req_id: expect.any(String),
        expires_in: expect.any(Number),
      });
      await owner.device.approve(bindingMessage);
      const result = await device.waitFor('result', requestId);
      expect(result.json).toEqual({
        request_id: requestId,
        auth_req_id: ack.json.auth_req_id,
        status: 'approved',
        encrypted_token_response: expect.stringMatching(/^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/),
      });
      const tokens = await device.decrypt(result.json.encrypted_token_response);
      expect(tokens).toMatchObject({
        token_type: 'DPoP',
        access_token: expect.any(String),
        id_token: expect.any(String),
      });
      const claims = await device.verifyIdToken(tokens.id_token, ack.json.auth_req_id);
      expect(claims.sub).toBe(owner.sub);

      // the access token is bound to the device's signing key (RFC 9449): usable with its proof
      const userinfo = await get(provider.at(PATHS.userinfo), {
        authorization: `DPoP ${tokens.access_token}`,
        dpop: await dpopProof(device.unit.sig, 'GET', provider.issuer + PATHS.userinfo, {
          ath: sha256b64u(tokens.access_token),
        }),
      });
      expect(userinfo.status).toBe(200);
      expect(userinfo.json.sub).toBe(owner.sub);

      await device.publish('result-ack', JSON.stringify({ request_id: requestId }));
    } finally {
      await device.disconnect();
    }
  });

  it('delivers a denial as a result with status denied and access_denied', async () => {
    const device = await connectedHeadUnit();
    try {
      const { requestId, bindingMessage } = await device.requestVerification(owner.email);
      await device.waitFor('ack', requestId);
      await owner.device.deny(bindingMessage);
      const result = await device.waitFor('result', requestId);
      expect(result.json).toMatchObject({ request_id: requestId, status: 'denied', error: 'access_denied' });
    } finally {
      await device.disconnect();
    }
  });

  it('passes a provider refusal on as a failed result', async () => {
    const device = await connectedHeadUnit();
    try {
      const { requestId } = await device.requestVerification('nobody@example.invalid');
      const result = await device.waitFor('result', requestId);
      expect(result.json).toMatchObject({ request_id: requestId, status: 'failed', error: 'unknown_user_id' });
      expect(device.count('ack', requestId)).toBe(0);
    } finally {
      await device.disconnect();
    }
  });

  it('refreshes over MQTT with the device key and returns encrypted tokens again', async () => {
    const device = await connectedHeadUnit();
    try {
      const { requestId, bindingMessage } = await device.requestVerification(owner.email);
      await device.waitFor('ack', requestId);
      await owner.device.approve(bindingMessage);
      const first = await device.decrypt((await device.waitFor('result', requestId)).json.encrypted_token_response);
      const refreshId = `refresh-${requestId.slice(0, 8)}`;
      const refresh = JSON.stringify({
        request_id: refreshId,
        refresh_token: first.refresh_token,
        client_assertion: await clientAssertion(device.unit.sig, device.unit.deviceId, provider.issuer + PATHS.token),
        dpop: await dpopProof(device.unit.sig, 'POST', provider.issuer + PATHS.token),
      });
      await device.publish('refresh', refresh);
      const result = await device.waitFor('result', refreshId);
      expect(result.json).toMatchObject({ request_id: refreshId, status: 'refreshed' });
      const second = await device.decrypt(result.json.encrypted_token_response);
      expect(second.access_token).not.toBe(first.access_token);
      // a repeat of the same refresh gets the stored result, not a second exchange
      await device.publish('refresh', refresh);
      await eventuallyCount(device, 'result', refreshId, 2);
      const results = device.received.filter((m) => m.type === 'result' && m.json.request_id === refreshId);
      expect(results[1].json).toEqual(results[0].json);
    } finally {
      await device.disconnect();
    }
  });

  it('refuses a captured access token replayed without the device key', async () => {
    const device = await connectedHeadUnit();
    try {
      const { requestId, bindingMessage } = await device.requestVerification(owner.email);
      await device.waitFor('ack', requestId);
      await owner.device.approve(bindingMessage);
      const tokens = await device.decrypt((await device.waitFor('result', requestId)).json.encrypted_token_response);
      const url = provider.issuer + PATHS.userinfo;
      const thief = await generateTestKey('ES256');
      const attempts: Array<Record<string, string>> = [
        { authorization: `Bearer ${tokens.access_token}` },
        { authorization: `DPoP ${tokens.access_token}` },
        {
          authorization: `DPoP ${tokens.access_token}`,
          dpop: await dpopProof(thief, 'GET', url, { ath: sha256b64u(tokens.access_token) }),
        },
      ];
      for (const headers of attempts) {
        expect((await get(provider.at(PATHS.userinfo), headers)).status).toBe(401);
      }
    } finally {
      await device.disconnect();
    }
  });
});

async function eventuallyCount(device: MqttHeadUnit, type: string, requestId: string, n: number): Promise<void> {
  const until = Date.now() + 5000;
  while (device.count(type, requestId) < n) {
    if (Date.now() > until) throw new Error(`expected ${n} ${type} messages`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
