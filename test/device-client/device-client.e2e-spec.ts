import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PATHS } from '@onboard/ciba-core';
import { DeviceClientError, signingKeyOf, type DeviceClient, type DeviceKeyStore } from '@onboard/device-client';
import { createOwner, type TestOwner } from '../support/fixtures';
import { get } from '../support/http';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { connectDeviceClient, startRelayBridge, type TestBridge } from '../support/bridge';

/**
 * The device client library against the real bridge (embedded aedes, relay, SQLite ledger) and the
 * real provider (push mode, encrypted token responses, dpop_jkt): pairing end to end.
 */
describe('device client library with the real bridge and provider', () => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let dir: string;
  const clients: DeviceClient[] = [];

  beforeAll(async () => {
    dir = makeTempDir();
    provider = await startProvider();
    bridge = await startRelayBridge(provider, { dir });
    owner = await createOwner(provider);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await bridge.close();
    await provider.close();
    removeTempDir(dir);
  });

  /** A head-unit with fresh keys, registered at the bridge and the provider, connected. */
  async function headUnit(over: { reconnect?: { minMs: number; maxMs: number } } = {}): Promise<{
    client: DeviceClient;
    keys: DeviceKeyStore;
    deviceId: string;
    /** Results the client received again after it had settled their request. */
    repeats: string[];
  }> {
    const repeats: string[] = [];
    const logger = {
      debug: (msg: string, fields?: Record<string, unknown>) => {
        if (msg === 'repeated result confirmed again') repeats.push(String(fields?.requestId));
      },
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    const { client, keys, deviceId } = await connectDeviceClient(provider, bridge, {
      reconnect: over.reconnect ?? { minMs: 50, maxMs: 200 },
      logger,
    });
    clients.push(client);
    return { client, keys, deviceId, repeats };
  }

  const bindingMessage = () => `PAIR-${randomBytes(3).toString('hex').toUpperCase()}`;

  /** Asks for the owner's verification and waits until the bridge acknowledges it. */
  async function acknowledgedVerification(client: DeviceClient, message: string) {
    const handle = client.requestOwnerVerification({
      loginHint: owner.email,
      bindingMessage: message,
      scope: 'openid',
    });
    await new Promise((resolve) => handle.on('ack', resolve));
    return handle;
  }

  async function userinfoWith(keys: DeviceKeyStore, accessToken: string) {
    const { kid: _kid, use: _use, alg, ...jwk } = signingKeyOf(await keys.getPublicJwks());
    // RFC 9449 §4.2, §7.1: a proof from the device key, with ath
    const proof = await keys.signJwt(
      { alg, typ: 'dpop+jwt', jwk },
      {
        jti: randomUUID(),
        htm: 'GET',
        htu: provider.issuer + PATHS.userinfo,
        iat: Math.floor(Date.now() / 1000),
        ath: createHash('sha256').update(accessToken).digest('base64url'),
      },
    );
    return get(provider.at(PATHS.userinfo), { authorization: `DPoP ${accessToken}`, dpop: proof });
  }

  it('pairs: the owner approves and the device gets verified, DPoP-bound tokens', async () => {
    const { client, keys } = await headUnit();
    const message = bindingMessage();
    const handle = client.requestOwnerVerification({
      loginHint: owner.email,
      bindingMessage: message,
      scope: 'openid',
    });
    const ack = await new Promise<{ authReqId: string; expiresIn: number }>((resolve) => handle.on('ack', resolve));
    expect(ack.expiresIn).toBeGreaterThan(0);
    await owner.device.approve(message);
    const tokens = await handle.result;
    expect(tokens.tokenType).toBe('DPoP');
    expect(tokens.claims.sub).toBe(owner.sub);
    expect(tokens.claims['urn:openid:params:jwt:claim:auth_req_id']).toBe(ack.authReqId);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    const userinfo = await userinfoWith(keys, tokens.accessToken);
    expect(userinfo.status).toBe(200);
    expect(userinfo.json.sub).toBe(owner.sub);
  });

  it('reports a denial as access_denied', async () => {
    const { client } = await headUnit();
    const message = bindingMessage();
    const handle = await acknowledgedVerification(client, message);
    await owner.device.deny(message);
    const err = (await handle.result.catch((e: unknown) => e)) as DeviceClientError;
    expect(err).toBeInstanceOf(DeviceClientError);
    expect(err.code).toBe('access_denied');
  });

  it('reports an unknown owner as unknown_user', async () => {
    const { client } = await headUnit();
    const handle = client.requestOwnerVerification({
      loginHint: `nobody-${randomUUID()}@example.test`,
      bindingMessage: bindingMessage(),
      scope: 'openid',
    });
    await expect(handle.result).rejects.toMatchObject({ code: 'unknown_user', protocolCode: 'unknown_user_id' });
  });

  it('refreshes over MQTT with a DPoP proof; the new access token works and the old refresh token is spent', async () => {
    const { client, keys } = await headUnit();
    const message = bindingMessage();
    const handle = await acknowledgedVerification(client, message);
    await owner.device.approve(message);
    const tokens = await handle.result;
    const refreshed = await client.refresh(tokens);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.tokenType).toBe('DPoP');
    expect((await userinfoWith(keys, refreshed.accessToken)).status).toBe(200);
    await expect(client.refresh(tokens)).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('a device offline when the owner approves gets the result after it reconnects, exactly once', async () => {
    const { client, deviceId, repeats } = await headUnit({ reconnect: { minMs: 1500, maxMs: 1500 } });
    const unclaimed: unknown[] = [];
    client.on('unclaimedResult', (r) => unclaimed.push(r));
    const message = bindingMessage();
    const handle = await acknowledgedVerification(client, message);
    const offline = new Promise((resolve) => client.once('offline', () => resolve(undefined)));
    expect(bridge.bridge.broker.disconnect(deviceId)).toBe(true);
    await offline;
    await owner.device.approve(message);
    const tokens = await handle.result;
    expect(tokens.claims.sub).toBe(owner.sub);
    expect(client.connected).toBe(true);
    // a further reconnect: the confirmed result is not delivered again
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = repeats.length;
    bridge.bridge.broker.disconnect(deviceId);
    await new Promise((resolve) => client.once('online', () => resolve(undefined)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(repeats.length).toBe(before);
    expect(unclaimed).toEqual([]);
  });

  it('a cancelled request rejects with cancelled and its later approval is not delivered', async () => {
    const { client, repeats } = await headUnit();
    const unclaimed: unknown[] = [];
    client.on('unclaimedResult', (r) => unclaimed.push(r));
    const message = bindingMessage();
    const handle = await acknowledgedVerification(client, message);
    handle.cancel();
    await expect(handle.result).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the cancel reaches the bridge
    await owner.device.approve(message);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(repeats).toEqual([]);
    expect(unclaimed).toEqual([]);
  });

  it('a device disabled at the bridge is refused on reconnect and its pending request fails with not_authorized', async () => {
    const { client, deviceId } = await headUnit();
    const handle = client.requestOwnerVerification({
      loginHint: owner.email,
      bindingMessage: bindingMessage(),
      scope: 'openid',
    });
    await new Promise((resolve) => handle.on('ack', resolve));
    await bridge.store.devices.setStatus(deviceId, 'disabled', Date.now());
    bridge.bridge.broker.disconnect(deviceId);
    await expect(handle.result).rejects.toMatchObject({ code: 'not_authorized' });
    expect(client.connected).toBe(false);
  });
});
