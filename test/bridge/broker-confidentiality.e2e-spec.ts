import { type DeviceClient } from '@onboard/device-client';
import { createOwner, type TestOwner } from '../support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { connectDeviceClient, startRelayBridge, type TestBridge } from '../support/bridge';
import { readableSecrets, type Overheard } from '../support/eavesdropper';

/** A vehicle identification number (ISO 3779): personal data once tied to an owner. */
const VIN = 'WVWZZZ1JZXW000001';

/**
 * docs/protocol.md §5a: a subscriber to `#` on the embedded broker (here the broker's own
 * internal subscription, which bypasses the device ACL) reads no token, no client assertion, no
 * login hint and no VIN during a pairing, a refresh and a cancellation made with the device client.
 */
describe('what a broker-wide subscriber reads on the embedded broker', () => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let dir: string;
  let client: DeviceClient | undefined;

  beforeAll(async () => {
    dir = makeTempDir();
    provider = await startProvider();
    bridge = await startRelayBridge(provider, { dir });
    owner = await createOwner(provider);
  });
  afterAll(async () => {
    await client?.close();
    await bridge.close();
    await provider.close();
    removeTempDir(dir);
  });

  it('sees topics, request ids, statuses and ciphertext only, through a pairing, a refresh and a cancellation', async () => {
    const overheard: Overheard[] = [];
    const stop = await bridge.bridge.broker.observe('#', (topic, payload) =>
      overheard.push({ topic, payload: payload.toString('utf8') }),
    );
    const connected = await connectDeviceClient(provider, bridge);
    client = connected.client;
    const { deviceId } = connected;

    const pairing = client.requestOwnerVerification({ loginHint: owner.email, bindingMessage: VIN, scope: 'openid' });
    await new Promise((resolve) => pairing.on('ack', resolve));
    await owner.device.approve(VIN);
    const tokens = await pairing.result;
    const refreshed = await client.refresh(tokens);

    const cancelled = client.requestOwnerVerification({
      loginHint: owner.phoneNumber,
      bindingMessage: `${VIN} again`,
      scope: 'openid',
    });
    await new Promise((resolve) => cancelled.on('ack', resolve));
    cancelled.cancel();
    await cancelled.result.catch(() => undefined);
    await owner.device.deny(`${VIN} again`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stop();

    // besides aedes' own $SYS announcements (client ids, subscriptions), only the device topics
    const device = overheard.filter((m) => !m.topic.startsWith('$SYS/'));
    const types = new Set(device.map((m) => m.topic.replace(`onboard/v1/devices/${deviceId}/`, '')));
    expect(types).toEqual(
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
