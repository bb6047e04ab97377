import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { join } from 'node:path';
import { silentLogger } from '@onboard/platform';
import { loadBridgeConfig } from '@onboard/config';
import { MemoryKeyStore, connect, type DeviceClient } from '@onboard/device-client';
import { openBridgeStores } from '@onboard/bridge-store';
import { startBridge, type RunningBridge } from '../../apps/mqtt-bridge/src/create-bridge';
import { BridgeHttpServer } from '../../apps/mqtt-bridge/src/infra/http-server';
import { NOTIFICATION_PATH } from '../../apps/mqtt-bridge/src/notify/notification.route';
import { externalBrokerUnderTest } from '../external-broker/mosquitto';
import { createOwner, type TestOwner } from '../support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { readableSecrets, type Overheard } from '../support/eavesdropper';
import { registerHeadUnit, relayDependencies, type TestBridge, type TestHeadUnit } from '../support/bridge';

/**
 * Issue 3 §6: the device client library works against any MQTT 3.1.1 broker. Here the bridge runs
 * in external-broker mode on the local Mosquitto and the library pairs through it. Mosquitto's own
 * authentication applies (the test broker allows anonymous clients, so it ignores the connect
 * credential the library still sends). Skipped with a printed reason when no broker is reachable,
 * unless ONBOARD_REQUIRE_MOSQUITTO=1.
 */
const broker = externalBrokerUnderTest();
/** A vehicle identification number (ISO 3779): personal data once tied to an owner. */
const VIN = 'WVWZZZ1JZXW000002';
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

  it('pairs a head-unit with its owner, refreshes its tokens and cancels a request, showing a subscriber to # nothing readable', async () => {
    // a broker-wide subscriber (the test broker lets anyone subscribe to #)
    const overheard: Overheard[] = [];
    const eavesdropper = await mqtt.connectAsync(broker.url as string, { protocolVersion: 4, reconnectPeriod: 0 });
    eavesdropper.on('message', (topic, payload) => overheard.push({ topic, payload: payload.toString('utf8') }));
    await eavesdropper.subscribeAsync('#', { qos: 1 });
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

    const other = `VIN ${VIN}`;
    const cancelled = client.requestOwnerVerification({
      loginHint: owner.phoneNumber,
      bindingMessage: other,
      scope: 'openid',
    });
    await new Promise((resolve) => cancelled.on('ack', resolve));
    cancelled.cancel();
    await cancelled.result.catch(() => undefined);
    await owner.device.deny(other);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await eavesdropper.endAsync();

    const own = overheard.filter((m) => m.topic.startsWith(`onboard/v1/devices/${deviceId}/`));
    expect(new Set(own.map((m) => m.topic.slice(`onboard/v1/devices/${deviceId}/`.length)))).toEqual(
      new Set([
        'requests/verification',
        'requests/refresh',
        'requests/cancel',
        'requests/result-ack',
        'replies/ack',
        'replies/result',
        'replies/status',
      ]),
    );
    expect(
      readableSecrets(overheard, {
        'the owner e-mail (login_hint)': owner.email,
        'the owner phone number (login_hint)': owner.phoneNumber,
        'the VIN': VIN,
        'the access token': tokens.accessToken,
        'the refresh token': tokens.refreshToken,
        'the ID token': tokens.idToken,
        'the refreshed access token': refreshed.accessToken,
        'the refreshed refresh token': refreshed.refreshToken,
      }),
    ).toEqual([]);
  });
});
