import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { BridgeMetrics } from '../broker/bridge-metrics';
import { ExternalBrokerSource } from './external-broker-source';
import { externalBrokerUnderTest } from '../../../../test/external-broker/mosquitto';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A plain aedes broker with no auth and no ACL: stands in for any MQTT 3.1.1 broker. */
async function plainBroker(): Promise<{ url: string; close(): Promise<void> }> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function nextMessage(client: MqttClient, topic: string, timeoutMs = 3000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${topic}`)), timeoutMs);
    client.on('message', function onMessage(t, payload) {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
    });
  });
}

const mosquitto = externalBrokerUnderTest();

type BrokerFactory = () => Promise<{ url: string; close(): Promise<void> }>;
const brokers: Array<[string, BrokerFactory]> = [['an embedded plain broker', plainBroker]];
if (mosquitto.url) brokers.push(['the local Mosquitto', async () => ({ url: mosquitto.url!, close: async () => {} })]);

describe.each(brokers)('external broker source against %s', (_name, startBroker) => {
  let broker: { url: string; close(): Promise<void> };
  const run = randomBytes(4).toString('hex');
  const devices = new Map<string, { status: string }>();
  let source: ExternalBrokerSource;
  const received: Array<{ deviceId: string; topic: string; payload: string }> = [];
  const metrics = new BridgeMetrics();
  const makeSource = () => {
    const s = new ExternalBrokerSource({
      config: { url: broker.url, clientId: `onboard-bridge-test-${run}` },
      devices: { find: async (id) => devices.get(id) },
      metrics,
      logger: silent,
    });
    s.onDeviceMessage((device, topic, payload) =>
      received.push({ deviceId: device.deviceId, topic, payload: payload.toString() }),
    );
    return s;
  };

  beforeAll(async () => {
    broker = await startBroker();
    source = makeSource();
    await source.start();
  });
  afterAll(async () => {
    await source.stop();
    // a clean session discards the persistent session the test created at a shared broker
    const cleaner = await mqtt.connectAsync(broker.url, { clientId: `onboard-bridge-test-${run}`, clean: true });
    await cleaner.endAsync();
    await broker.close();
  });

  async function deviceClient(deviceId: string): Promise<MqttClient> {
    const client = await mqtt.connectAsync(broker.url, { clientId: deviceId, protocolVersion: 4, reconnectPeriod: 0 });
    await client.subscribeAsync(`onboard/v1/devices/${deviceId}/replies/+`, { qos: 1 });
    return client;
  }

  it('hands an active device its messages with the device id of the topic and publishes replies to it', async () => {
    const id = `ext-${run}-a`;
    devices.set(id, { status: 'active' });
    const device = await deviceClient(id);
    try {
      await device.publishAsync(`onboard/v1/devices/${id}/requests/cancel`, '{"request_id":"r1"}', { qos: 1 });
      await waitFor(() => received.some((m) => m.deviceId === id));
      expect(received.find((m) => m.deviceId === id)).toEqual({
        deviceId: id,
        topic: `onboard/v1/devices/${id}/requests/cancel`,
        payload: '{"request_id":"r1"}',
      });
      const reply = nextMessage(device, `onboard/v1/devices/${id}/replies/status`);
      await source.publish(id, { type: 'status', requestId: 'r1', status: 'cancelled' });
      expect(await reply).toEqual({ request_id: 'r1', status: 'cancelled' });
    } finally {
      await device.endAsync();
    }
  });

  it('drops messages of unknown and disabled devices and counts them', async () => {
    const disabled = `ext-${run}-d`;
    devices.set(disabled, { status: 'disabled' });
    const before = metrics.snapshot().drops.unauthenticated ?? 0;
    const device = await deviceClient(disabled);
    try {
      await device.publishAsync(`onboard/v1/devices/${disabled}/requests/cancel`, '{"request_id":"r1"}', { qos: 1 });
      await device.publishAsync(`onboard/v1/devices/ext-${run}-x/requests/cancel`, '{"request_id":"r1"}', { qos: 1 });
      await waitFor(() => (metrics.snapshot().drops.unauthenticated ?? 0) >= before + 2);
      expect(received.some((m) => m.deviceId === disabled || m.deviceId === `ext-${run}-x`)).toBe(false);
    } finally {
      await device.endAsync();
    }
  });

  it('keeps the order of one device’s messages', async () => {
    const id = `ext-${run}-o`;
    devices.set(id, { status: 'active' });
    const device = await deviceClient(id);
    try {
      for (let i = 0; i < 20; i++)
        await device.publishAsync(`onboard/v1/devices/${id}/requests/cancel`, `{"request_id":"r${i}"}`, { qos: 1 });
      await waitFor(() => received.filter((m) => m.deviceId === id).length === 20);
      expect(received.filter((m) => m.deviceId === id).map((m) => JSON.parse(m.payload).request_id)).toEqual(
        Array.from({ length: 20 }, (_, i) => `r${i}`),
      );
    } finally {
      await device.endAsync();
    }
  });

  it('receives requests published while the bridge was away (persistent session)', async () => {
    const id = `ext-${run}-p`;
    devices.set(id, { status: 'active' });
    await source.stop();
    const device = await deviceClient(id);
    try {
      await device.publishAsync(`onboard/v1/devices/${id}/requests/cancel`, '{"request_id":"while-away"}', { qos: 1 });
      source = makeSource();
      await source.start();
      await waitFor(() => received.some((m) => m.deviceId === id));
      expect(JSON.parse(received.find((m) => m.deviceId === id)!.payload)).toEqual({ request_id: 'while-away' });
    } finally {
      await device.endAsync();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
