import { timingSafeEqual } from 'node:crypto';
import { CONNACK, defaultAuthorizePublish, type DeviceHooks } from '@onboard/bridge-core';
import { replySubscription, requestTopic } from '@onboard/mqtt-contract';
import {
  closed,
  connectDevice,
  connectOutcome,
  createDevice,
  nextMessage,
  startTestBridge,
  subackCodes,
  type TestDevice,
} from './support/bridge-harness';

/** An integrator's own device authentication: a shared secret per device instead of a device JWT. */
const SECRETS: Record<string, string> = { 'hu-secret': 'correct horse battery staple', 'hu-other': 'x'.repeat(20) };

const authenticate: DeviceHooks['authenticate'] = async ({ clientId, password }) => {
  const secret = SECRETS[clientId];
  if (secret === undefined) return { ok: false, returnCode: CONNACK.badUsernameOrPassword, reason: 'unknown_device' };
  const given = password ?? Buffer.alloc(0);
  const expected = Buffer.from(secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, returnCode: CONNACK.badUsernameOrPassword, reason: 'bad_signature' };
  // a hook that names another device than the one connecting is refused by the broker
  if (clientId === 'hu-other') return { ok: true, device: { deviceId: 'hu-secret' } };
  return { ok: true, device: { deviceId: clientId } };
};

const base = (deviceId: string) => `onboard/v1/devices/${deviceId}`;

describe('device hooks replace the defaults of the embedded broker', () => {
  let harness: Awaited<ReturnType<typeof startTestBridge>>;
  let jwtDevice: TestDevice;
  const url = () => harness.url;

  beforeAll(async () => {
    jwtDevice = await createDevice('hu-jwt');
    harness = await startTestBridge(
      [{ device: jwtDevice }],
      { connectBurstPerClientId: 100 },
      {},
      {
        authenticate,
        // this deployment has no cancellation: a device that publishes one is disconnected
        authorizePublish: (device, topic) =>
          topic.endsWith('/requests/cancel') ? 'wrong_direction' : defaultAuthorizePublish(device, topic),
        // and devices may subscribe to their result and error topics only, no wildcards
        authorizeSubscribe: (device, filter) =>
          [`${base(device.deviceId)}/replies/result`, `${base(device.deviceId)}/replies/error`].includes(filter)
            ? 'allowed'
            : 'outside_subtree',
      },
    );
  });
  afterAll(() => harness.bridge.close());

  it('authenticates with the integrator’s authenticate hook instead of the device JWT', async () => {
    const ok = await connectOutcome(url(), {
      clientId: 'hu-secret',
      username: 'anything',
      password: SECRETS['hu-secret'],
    });
    expect(ok).toBe('connected');
    expect(await connectOutcome(url(), { clientId: 'hu-secret', username: 'hu-secret', password: 'wrong' })).toBe(
      CONNACK.badUsernameOrPassword,
    );
    // the default (a device JWT from the directory) no longer applies
    expect(
      await connectDevice(url(), jwtDevice).then(
        (c) => c.endAsync(true).then(() => 'connected'),
        (err: { code?: number }) => err.code,
      ),
    ).toBe(CONNACK.badUsernameOrPassword);
    expect(harness.bridge.metrics.snapshot().connectRefusals).toMatchObject({ bad_signature: 1, unknown_device: 1 });
  });

  it('refuses a hook’s device that is not the connecting client with CONNACK 2', async () => {
    expect(
      await connectOutcome(url(), { clientId: 'hu-other', username: 'hu-other', password: SECRETS['hu-other'] }),
    ).toBe(CONNACK.identifierRejected);
  });

  it('applies the authorizeSubscribe hook to every filter', async () => {
    const client = await connectDevice(url(), jwtDevice, { password: SECRETS['hu-secret'], clientId: 'hu-secret' });
    expect(
      await subackCodes(client, ['onboard/v1/devices/hu-secret/replies/result', replySubscription('hu-secret')]),
    ).toEqual([1, 128]);
    await client.endAsync(true);
  });

  it('applies the authorizePublish hook: a refused PUBLISH closes the connection, an allowed one is dispatched', async () => {
    const client = await connectDevice(url(), jwtDevice, { password: SECRETS['hu-secret'], clientId: 'hu-secret' });
    await client.subscribeAsync(`${base('hu-secret')}/replies/error`, { qos: 1 });
    // allowed by the hook: the dispatcher answers it on the device's error topic
    const answer = nextMessage(client, '/replies/error');
    await client.publishAsync(`${base('hu-secret')}/requests/teleport`, '{}', { qos: 1 });
    expect((await answer).json).toMatchObject({ error: 'unknown_message_type' });
    client.publish(requestTopic('hu-secret', 'cancel'), JSON.stringify({ request_id: 'r1' }), { qos: 1 });
    await closed(client);
    expect(harness.bridge.metrics.snapshot().aclRefusals['publish:wrong_direction']).toBe(1);
    await client.endAsync(true);
  });
});
