import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/** How a flaky link behaves: every chunk delayed by `latencyMs` plus up to `jitterMs`, and connection drops. */
export interface FlakyLink {
  latencyMs: number;
  jitterMs: number;
  /** Mean drops of the connection per minute (0: none). */
  dropsPerMinute: number;
}

interface Pair {
  deviceId: string;
  client: Socket;
  upstream: Socket;
}

/**
 * An in-process TCP proxy between the virtual cars and the broker, so that the simulator can
 * take a car's link away (offline, reconnect storms) and make links flaky, without touching
 * Onboard. It listens on one loopback port for the whole fleet and learns which car a
 * connection belongs to from the client id of its MQTT CONNECT (parsed with mqtt-packet), so
 * the bytes themselves pass unchanged. Plain TCP only (`mqtt://`): a TLS link cannot be read.
 */
export class LinkProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private readonly blockedUntil = new Map<string, number>();
  private readonly flaky = new Map<string, FlakyLink>();
  /** Connections dropped by the proxy (offline, storms, flaky links). */
  dropped = 0;

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts listening on 127.0.0.1 (a free port); returns the `mqtt://` URL cars connect to. */
  async start(): Promise<string> {
    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = Infinity;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', resolve);
    });
    return `mqtt://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Makes the links of these cars flaky. */
  setFlaky(deviceId: string, link: FlakyLink): void {
    this.flaky.set(deviceId, link);
  }

  /** Drops the car's connection now; new ones are refused for `offlineMs` (0: it may come back at once). */
  cut(deviceId: string, offlineMs: number): void {
    if (offlineMs > 0) this.blockedUntil.set(deviceId, Date.now() + offlineMs);
    for (const pair of this.pairs) if (pair.deviceId === deviceId) this.drop(pair);
  }

  /** How many cars have a live link. */
  get connections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.drop(pair, false);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const head: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      head.push(chunk);
      parser.parse(chunk);
    };
    const fail = () => client.destroy();
    parser.once('error', fail);
    parser.once('packet', (packet) => {
      client.off('data', onData);
      if (packet.cmd !== 'connect' || !packet.clientId) return fail();
      const deviceId = packet.clientId;
      if ((this.blockedUntil.get(deviceId) ?? 0) > Date.now()) return fail(); // offline: the link is down
      this.blockedUntil.delete(deviceId);
      this.connect(deviceId, client, Buffer.concat(head));
    });
    client.on('data', onData);
    client.on('error', () => {});
  }

  private connect(deviceId: string, client: Socket, head: Buffer): void {
    client.pause();
    const upstream = createConnection({ host: this.upstreamHost, port: this.upstreamPort });
    upstream.setNoDelay(true);
    const pair: Pair = { deviceId, client, upstream };
    this.pairs.add(pair);
    const end = () => this.drop(pair, false);
    upstream.on('error', end);
    upstream.on('close', end);
    client.on('error', end);
    client.on('close', end);
    const link = this.flaky.get(deviceId);
    upstream.once('connect', () => {
      if (link) {
        this.relayDelayed(client, upstream, link, head);
        this.relayDelayed(upstream, client, link);
        if (link.dropsPerMinute > 0) {
          const after = (-Math.log(1 - this.random()) * 60_000) / link.dropsPerMinute;
          const timer = setTimeout(() => this.drop(pair), after);
          timer.unref();
          upstream.once('close', () => clearTimeout(timer));
        }
      } else {
        upstream.write(head);
        client.pipe(upstream);
        upstream.pipe(client);
      }
      client.resume();
    });
  }

  /** Relays `from` → `to` with every chunk delayed, keeping their order. */
  private relayDelayed(from: Socket, to: Socket, link: FlakyLink, first?: Buffer): void {
    let last = 0;
    const send = (chunk: Buffer) => {
      const at = Math.max(last, Date.now() + link.latencyMs + link.jitterMs * this.random());
      last = at;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, at - Date.now());
    };
    if (first) send(first);
    from.on('data', send);
  }

  private drop(pair: Pair, counted = true): void {
    if (!this.pairs.delete(pair)) return;
    if (counted) this.dropped++;
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
