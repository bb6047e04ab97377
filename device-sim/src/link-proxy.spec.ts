import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { LinkProxy } from './link-proxy';

/** A real MQTT broker (aedes over TCP) that counts connections per client id. */
async function startBroker(): Promise<{ port: number; connects: string[]; close(): Promise<void> }> {
  const aedes = await Aedes.createBroker();
  const connects: string[] = [];
  aedes.on('client', (client) => connects.push(client.id));
  const server: Server = createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connects,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const connectVia = (url: string, clientId: string) =>
  mqtt.connectAsync(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2000 });

/** Whether a connection attempt through the proxy is accepted (a CONNACK), or closed first. */
function canConnect(url: string, clientId: string): Promise<boolean> {
  const client = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2000 });
  client.on('error', () => {});
  return new Promise<boolean>((resolve) => {
    client.once('connect', () => resolve(true));
    client.once('close', () => resolve(false));
  }).finally(() => client.end(true));
}

describe('the link proxy between cars and the broker', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let proxy: LinkProxy;
  let url: string;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    broker = await startBroker();
    proxy = new LinkProxy('127.0.0.1', broker.port, () => 0.5);
    url = await proxy.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await proxy.close();
    await broker.close();
  });

  it('relays MQTT unchanged and knows each connection by the client id of its CONNECT', async () => {
    const car = await connectVia(url, 'car-1');
    clients.push(car);
    await car.subscribeAsync('t/car-1', { qos: 1 });
    const received = new Promise<string>((resolve) =>
      car.once('message', (_t, payload) => resolve(payload.toString())),
    );
    await car.publishAsync('t/car-1', 'hello', { qos: 1 });
    expect(await received).toBe('hello');
    expect(broker.connects).toEqual(['car-1']);
    expect(proxy.connections).toBe(1);
  });

  it('takes one car offline: its link drops, reconnects are refused until the time is over, other cars stay', async () => {
    const car = await connectVia(url, 'car-1');
    const other = await connectVia(url, 'car-2');
    clients.push(car, other);
    const closed = new Promise<void>((resolve) => car.once('close', () => resolve()));
    const cutAt = Date.now();
    proxy.cut('car-1', 3000);
    await closed;
    expect(other.connected).toBe(true);
    expect(await canConnect(url, 'car-1')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3000 - (Date.now() - cutAt) + 50));
    expect(await canConnect(url, 'car-1')).toBe(true);
    expect(proxy.dropped).toBe(1);
  });

  it('delays every chunk of a flaky link by its latency and jitter', async () => {
    proxy.setFlaky('slow-car', { latencyMs: 500, jitterMs: 500, dropsPerMinute: 0 }); // random 0.5: 750 ms per chunk
    const started = Date.now();
    const slow = await connectVia(url, 'slow-car');
    clients.push(slow);
    // CONNECT one way, CONNACK the other: at least two delayed chunks
    expect(Date.now() - started).toBeGreaterThanOrEqual(1490);
    const fastStart = Date.now();
    clients.push(await connectVia(url, 'fast-car'));
    expect(Date.now() - fastStart).toBeLessThan(1490);
  });

  it('refuses a connection that does not begin with an MQTT CONNECT', async () => {
    const { createConnection } = await import('node:net');
    const socket = createConnection({ host: '127.0.0.1', port: Number(new URL(url).port) });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(Buffer.from([0x30, 0x02, 0x00, 0x00])); // a PUBLISH first
    await closed;
    expect(broker.connects).toEqual([]);
  });
});
