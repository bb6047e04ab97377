import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { silentLogger } from '@onboard/ciba-core';
import { loadBridgeConfig } from '@onboard/config';
import { MemoryKeyStore, connect, type DeviceClient } from '@onboard/device-client';
import { openBridgeStores } from '@onboard/store-typeorm';
import { startBridge, type RunningBridge } from '../../apps/mqtt-bridge/src/create-bridge';
import { BridgeHttpServer } from '../../apps/mqtt-bridge/src/infra/http-server';
import { NOTIFICATION_PATH } from '../../apps/mqtt-bridge/src/notify/notification.route';
import { externalBrokerUnderTest } from '../external-broker/mosquitto';
import { createOwner, type TestOwner } from '../support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { registerHeadUnit, relayDependencies, type TestBridge, type TestHeadUnit } from '../support/bridge';

/**
 * Issue 3 §6: the device client library works against any MQTT 3.1.1 broker. Here the bridge runs
 * in external-broker mode on the local Mosquitto and the library pairs through it. Mosquitto's own
 * authentication applies (the test broker allows anonymous clients, so it ignores the connect
 * credential the library still sends). Skipped with a printed reason when no broker is reachable,
 * unless ONBOARD_REQUIRE_MOSQUITTO=1.
 */
const broker = externalBrokerUnderTest();
const describeWithBroker = broker.url ? describe : describe.skip;

describeWithBroker('device client library through Mosquitto (bridge in external-broker mode)', () => {
  let provider: TestProvider;
  let bridge: RunningBridge;
  let bridgeHandle: TestBridge;
  let owner: TestOwner;
  let dir: string;
  let close: () => Promise<void>;
  const clients: DeviceClient[] = [];

  beforeAll(async () => {
    dir = makeTempDir();
    provider = await startProvider();
    owner = await createOwner(provider);
    const store = await openBridgeStores({ databaseUrl: `sqlite:${join(dir, 'bridge.sqlite')}` });
    const http = new BridgeHttpServer({ logger: silentLogger });
    const config = loadBridgeConfig({
      BRIDGE_BROKER_URL: broker.url as string,
      // a client id of its own: other test files may run a bridge on the same broker
      BRIDGE_BROKER_CLIENT_ID: `onboard-bridge-${randomBytes(4).toString('hex')}`,
      BRIDGE_MQTT_PORT: '0',
      BRIDGE_HOST: '127.0.0.1',
    });
    bridge = await startBridge(config, relayDependencies(provider, store, http));
    const httpPort = await http.listen(0, '127.0.0.1');
    // registerHeadUnit needs only the registry and the notification URL of the bridge
    bridgeHandle = {
      store,
      notificationEndpoint: `http://127.0.0.1:${httpPort}${NOTIFICATION_PATH}`,
    } as unknown as TestBridge;
    close = async () => {
      await bridge.close();
      await http.close();
      await store.close();
    };
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await close?.();
    await provider?.close();
    removeTempDir(dir);
  });

  it('pairs a head-unit with its owner and refreshes its tokens', async () => {
    const deviceId = `hu-${randomBytes(5).toString('hex')}`;
    const keys = await MemoryKeyStore.generate();
    const [sig, enc] = (await keys.getPublicJwks()).keys;
    await registerHeadUnit(provider, bridgeHandle, {
      deviceId,
      sig: { publicJwk: sig },
      enc: { publicJwk: enc },
    } as unknown as TestHeadUnit);
    const client = await connect({
      url: broker.url as string,
      deviceId,
      keys,
      bridgeEncryptionKey: bridge.payloadKeys.current,
      providerIssuer: provider.issuer,
      providerJwksUri: provider.discovery.jwks_uri,
      tokenEndpoint: provider.discovery.token_endpoint,
    });
    clients.push(client);
    const message = `PAIR-${randomBytes(3).toString('hex').toUpperCase()}`;
    const handle = client.requestOwnerVerification({
      loginHint: owner.email,
      bindingMessage: message,
      scope: 'openid',
    });
    await new Promise((resolve) => handle.on('ack', resolve));
    await owner.device.approve(message);
    const tokens = await handle.result;
    expect(tokens.claims.sub).toBe(owner.sub);
    expect(tokens.claims['urn:openid:params:jwt:claim:auth_req_id']).toBe(handle.authReqId);
    const refreshed = await client.refresh(tokens);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
  });
});
