import { connect as connectTcp, type Socket } from 'node:net';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { replySubscription, requestTopic } from '@onboard/mqtt-contract';
import { createBridgeMetrics } from '../src/infra/bridge-observability';
import {
  connectDevice,
  createDevice,
  credentialFor,
  nextMessage,
  startTestBridge,
  type TestDevice,
} from './support/bridge-harness';

/**
 * docs/protocol.md as written: every level under `requests/` that is not a message type is
 * answered `unknown_message_type`, `requests/result-ack` is never answered, a PUBLISH topic with
 * U+0000 closes the connection [MQTT-1.5.3-2], and device-chosen topic levels never become
 * metric labels.
 */
describe('device protocol conformance', () => {
  let device: TestDevice;
  let harness: Awaited<ReturnType<typeof startTestBridge>>;
  let client: MqttClient;

  beforeAll(async () => {
    device = await createDevice('hu-conform');
    harness = await startTestBridge([{ device }], {
      connectBurstPerClientId: 100,
      messageBurstPerDevice: 5000,
      messageRatePerDevicePerSecond: 5000,
    });
    client = await connectDevice(harness.url, device);
    await client.subscribeAsync(replySubscription(device.deviceId), { qos: 1 });
  });
  afterAll(async () => {
    await client.endAsync(true);
    await harness.bridge.close();
  });

  it('answers a topic one level too deep under requests/ with unknown_message_type', async () => {
    const answer = nextMessage(client, '/replies/error');
    await client.publishAsync(`${requestTopic(device.deviceId, 'verification')}/extra`, '{}', { qos: 1 });
    expect((await answer).json).toEqual({
      request_id: null,
      error: 'unknown_message_type',
      error_description: expect.any(String),
    });
  });

  it('never answers a result-ack, not even a malformed one', async () => {
    const replies: string[] = [];
    const onMessage = (topic: string) => replies.push(topic);
    client.on('message', onMessage);
    try {
      for (const payload of ['not json', '{}', JSON.stringify({ request_id: 42 }), JSON.stringify({ request_id: 'x' })])
        await client.publishAsync(requestTopic(device.deviceId, 'result-ack'), payload, { qos: 1 });
      // a message answered after them proves the bridge has processed them
      const marker = nextMessage(client, '/replies/error');
      await client.publishAsync(requestTopic(device.deviceId, 'cancel'), JSON.stringify({ request_id: 'm' }), {
        qos: 1,
      });
      await marker;
      expect(replies).toEqual([`onboard/v1/devices/${device.deviceId}/replies/error`]);
    } finally {
      client.off('message', onMessage);
    }
  });

  it('labels metrics only with known message types: 700 new topic levels do not grow /metrics', async () => {
    const metrics = createBridgeMetrics({
      snapshot: () => harness.bridge.metrics.snapshot(),
      connectedDevices: () => 1,
    });
    const before = await metrics.render();
    const levels = 700;
    let answered = 0;
    const onMessage = () => answered++;
    client.on('message', onMessage);
    try {
      for (let i = 0; i < levels; i++) {
        await client.publishAsync(`onboard/v1/devices/${device.deviceId}/requests/level-${i}`, '{}', { qos: 1 });
      }
      const until = Date.now() + 10_000;
      while (answered < levels && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(answered).toBe(levels);
    } finally {
      client.off('message', onMessage);
    }
    const after = await metrics.render();
    expect(after.body).not.toMatch(/level-\d+/);
    expect(after.body).toMatch(
      /onboard_bridge_handled_messages_total\{type="unknown",outcome="error:unknown_message_type"\}/,
    );
    // one series more at most (the `unknown` one), never one per level
    expect(after.body.length - before.body.length).toBeLessThan(300);
  });

  it('closes the connection of a PUBLISH whose topic contains U+0000 [MQTT-1.5.3-2]', async () => {
    const raw = await RawMqtt.connect(harness.url, device);
    try {
      raw.send({
        cmd: 'publish',
        topic: `${requestTopic(device.deviceId, 'cancel')}\u0000x`,
        payload: JSON.stringify({ request_id: 'nul' }),
        qos: 1,
        messageId: 1,
        retain: false,
        dup: false,
      });
      await raw.closed(3000);
      expect(raw.received.map((p) => p.cmd)).not.toContain('puback');
    } finally {
      raw.destroy();
    }
  });
});

/** An MQTT 3.1.1 client made of a TCP socket and mqtt-packet, for packets mqtt.js would not send. */
class RawMqtt {
  readonly received: Packet[] = [];
  private ended = false;
  private readonly endWaiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    const parser = createParser({ protocolVersion: 4 });
    parser.on('packet', (packet) => this.received.push(packet));
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('close', () => {
      this.ended = true;
      for (const wake of this.endWaiters.splice(0)) wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(url: string, device: TestDevice): Promise<RawMqtt> {
    const { hostname, port } = new URL(url);
    const socket = connectTcp(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const raw = new RawMqtt(socket);
    raw.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: device.deviceId,
      keepalive: 60,
      username: device.deviceId,
      password: Buffer.from(await credentialFor(device)),
    });
    const until = Date.now() + 3000;
    while (!raw.received.some((p) => p.cmd === 'connack')) {
      if (Date.now() > until || raw.ended) throw new Error('no CONNACK');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return raw;
  }

  send(packet: Packet): void {
    this.socket.write(generate(packet));
  }

  closed(timeoutMs: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the connection stayed open')), timeoutMs);
      this.endWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
