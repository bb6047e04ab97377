import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { BridgeConfig } from '../config/bridge-config';

/** Called for every accepted connection, with the stream aedes should handle. */
export type ConnectionHandler = (stream: Duplex, remoteAddress: string | undefined, req?: IncomingMessage) => void;

/** Bound ports of the started listeners. */
export interface ListenerAddresses {
  tcp: number;
  tls?: number;
  webSocket?: number;
}

/** The running listeners. */
export interface Listeners {
  addresses: ListenerAddresses;
  /** Stops accepting connections (open ones are closed by the broker). */
  close(): Promise<void>;
}

/**
 * Starts the TCP listener and, when configured, the TLS and WebSocket listeners. Sockets get
 * `noDelay` (Nagle's algorithm would hold small QoS 1 acknowledgements back by tens of
 * milliseconds).
 */
export async function startListeners(config: BridgeConfig, onConnection: ConnectionHandler): Promise<Listeners> {
  const closers: Array<() => Promise<void>> = [];
  try {
    const tcp = createNetServer({ noDelay: true }, (socket) => onConnection(socket, socket.remoteAddress));
    const addresses: ListenerAddresses = { tcp: await listen(tcp, config.tcpPort, config.host) };
    closers.push(() => closeServer(tcp));

    if (config.tls) {
      const [cert, key, ca] = await Promise.all([
        readFile(config.tls.certFile),
        readFile(config.tls.keyFile),
        config.tls.caFile ? readFile(config.tls.caFile) : undefined,
      ]);
      // Mutual TLS: the certificate is requested, and judged at CONNECT against the device registry
      // (a self-signed certificate with the device's registered key is valid), so the handshake
      // does not reject unverified chains itself.
      const clientCertificates = config.tls.clientCertificates ? { requestCert: true, rejectUnauthorized: false } : {};
      const tls = createTlsServer(
        { cert, key, ca, minVersion: 'TLSv1.2', ...clientCertificates },
        (socket: TLSSocket) => {
          socket.setNoDelay(true);
          onConnection(socket, socket.remoteAddress);
        },
      );
      addresses.tls = await listen(tls, config.tls.port, config.host);
      closers.push(() => closeServer(tls));
    }

    if (config.webSocket) {
      const http = createHttpServer();
      // ws bounds a frame before buffering it; one MQTT packet travels in one or more frames.
      const wss = new WebSocketServer({
        server: http,
        path: config.webSocket.path,
        maxPayload: config.limits.maxPacketBytes + 8,
      });
      wss.on('connection', (ws, req) => {
        (req.socket as Socket).setNoDelay(true);
        const stream = createWebSocketStream(ws);
        // errors surface through the stream that aedes handles
        ws.on('error', () => undefined);
        onConnection(stream, req.socket.remoteAddress, req);
      });
      addresses.webSocket = await listen(http, config.webSocket.port, config.host);
      closers.push(async () => {
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await closeServer(http);
      });
    }
    return { addresses, close: () => closeAll(closers) };
  } catch (err) {
    await closeAll(closers);
    throw err;
  }
}

function listen(server: NetServer | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  await Promise.all(closers.map((close) => close()));
}
