import type { MqttClient } from 'mqtt';
import { replySubscription, requestTopic } from '@onboard/mqtt-contract';
import {
  closed,
  connectDevice,
  createDevice,
  nextMessage,
  startTestBridge,
  subackCodes,
  type TestDevice,
  SAMPLE_JWS,
} from './support/bridge-harness';

describe('topic access control', () => {
  let alice: TestDevice;
  let bob: TestDevice;
  let harness: Awaited<ReturnType<typeof startTestBridge>>;
  let bobClient: MqttClient;
  const bobReceived: string[] = [];

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createDevice('alice'), createDevice('bob')]);
    harness = await startTestBridge([{ device: alice }, { device: bob }], { connectBurstPerClientId: 100 });
    bobClient = await connectDevice(harness.url, bob);
    await bobClient.subscribeAsync('onboard/v1/devices/bob/#', { qos: 1 });
    bobClient.on('message', (topic) => bobReceived.push(topic));
  });
  afterAll(async () => {
    await bobClient.endAsync(true);
    await harness.bridge.close();
  });

  const crossDevice = () => harness.bridge.metrics.crossDeviceAttempts;

  it('closes the connection of a device that publishes into another device subtree, and counts it', async () => {
    const before = crossDevice();
    const client = await connectDevice(harness.url, alice);
    client.publish(
      requestTopic('bob', 'verification'),
      JSON.stringify({ request_id: 'x', request: SAMPLE_JWS, client_assertion: SAMPLE_JWS }),
      { qos: 1 },
    );
    await closed(client);
    expect(crossDevice()).toBe(before + 1);
    expect(harness.bridge.metrics.snapshot().aclRefusals['publish:cross_device']).toBeGreaterThanOrEqual(1);
    await client.endAsync(true);
  });

  it('refuses a device that imitates the bridge on another device reply topic, so the victim receives nothing', async () => {
    const client = await connectDevice(harness.url, alice);
    client.publish(
      'onboard/v1/devices/bob/replies/result',
      JSON.stringify({ request_id: 'r', error: 'access_denied' }),
      { qos: 1 },
    );
    await closed(client);
    await client.endAsync(true);
    // a later message of bob's own proves bob's subscription is alive and saw nothing before it
    const own = nextMessage(bobClient, '/replies/error');
    await bobClient.publishAsync(requestTopic('bob', 'cancel'), JSON.stringify({ request_id: 'nothing' }), { qos: 1 });
    await own;
    expect(bobReceived.filter((t) => t.endsWith('/replies/result'))).toEqual([]);
  });

  it('closes the connection of a device that publishes on its own reply topics', async () => {
    const client = await connectDevice(harness.url, alice);
    client.publish('onboard/v1/devices/alice/replies/ack', '{}', { qos: 1 });
    await closed(client);
    expect(harness.bridge.metrics.snapshot().aclRefusals['publish:wrong_direction']).toBe(1);
    await client.endAsync(true);
  });

  it('closes the connection of a device that publishes outside the scheme, $SYS included', async () => {
    for (const topic of ['$SYS/x', 'other/topic', 'onboard/v2/devices/alice/requests/verification']) {
      const client = await connectDevice(harness.url, alice);
      client.publish(topic, '{}', { qos: 1 });
      await closed(client);
      await client.endAsync(true);
    }
    expect(harness.bridge.metrics.snapshot().aclRefusals['publish:outside_subtree']).toBe(3);
  });

  it('refuses subscriptions to another device subtree and escaping wildcards with SUBACK 0x80, and counts them', async () => {
    const before = crossDevice();
    const client = await connectDevice(harness.url, alice);
    const codes = await subackCodes(client, [
      'onboard/v1/devices/bob/replies/+',
      'onboard/v1/devices/+/replies/+',
      '#',
      'onboard/v1/devices/alice/replies/+',
    ]);
    expect(codes).toEqual([128, 128, 128, 1]);
    expect(crossDevice()).toBe(before + 1);
    expect(harness.bridge.metrics.snapshot().aclRefusals['subscribe:wildcard_escape']).toBe(2);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it('delivers replies only to the device they are addressed to', async () => {
    const client = await connectDevice(harness.url, alice);
    await client.subscribeAsync(replySubscription('alice'), { qos: 1 });
    const seenByAlice: string[] = [];
    client.on('message', (topic) => seenByAlice.push(topic));
    const bobReply = nextMessage(bobClient, '/replies/error');
    await bobClient.publishAsync(requestTopic('bob', 'cancel'), JSON.stringify({ request_id: 'only-bob' }), { qos: 1 });
    expect((await bobReply).json).toMatchObject({ request_id: 'only-bob', error: 'unknown_request' });
    const aliceReply = nextMessage(client, '/replies/error');
    await client.publishAsync(requestTopic('alice', 'cancel'), JSON.stringify({ request_id: 'only-alice' }), {
      qos: 1,
    });
    expect((await aliceReply).json).toMatchObject({ request_id: 'only-alice' });
    expect(seenByAlice.every((t) => t.startsWith('onboard/v1/devices/alice/'))).toBe(true);
    await client.endAsync();
  });

  it('never stores a retained message from a device', async () => {
    const client = await connectDevice(harness.url, alice);
    await client.publishAsync(requestTopic('alice', 'cancel'), JSON.stringify({ request_id: 'kept?' }), {
      qos: 1,
      retain: true,
    });
    const late = await connectDevice(harness.url, alice, { clientId: 'alice' });
    const received: string[] = [];
    late.on('message', (topic, _payload, packet) => packet.retain && received.push(topic));
    await late.subscribeAsync('onboard/v1/devices/alice/requests/#', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual([]);
    await late.endAsync();
    await client.endAsync(true);
  });
});
