import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutboundGuard, OutboundTargetRefused } from '../outbound/outbound-guard';
import type { OutboundRequest } from './http-client.port';
import { createHttpClient } from './undici-http-client';

const request = (url: string, extra: Partial<OutboundRequest> = {}): OutboundRequest => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
  body: '{"auth_req_id":"r1"}',
  timeoutMs: 2000,
  maxResponseBytes: 1024,
  ...extra,
});

/** A raw TCP server answering each request (head + content-length body) with `answer(connection, socket)`. */
async function rawServer(answer: (connection: number, socket: Socket) => string | undefined) {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((socket) => {
    const number = ++connections;
    sockets.add(socket);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.slice(end + 4 + length);
      const reply = answer(number, socket);
      if (reply !== undefined) socket.write(reply);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// What the production adapter adds to the shared contract (http-client.contract.spec.ts).
describe('createHttpClient', () => {
  it('reuses its keep-alive connections for requests in a row', async () => {
    const server = await rawServer(() => 'HTTP/1.1 204 No Content\r\n\r\n');
    try {
      const client = createHttpClient();
      for (let i = 0; i < 10; i++) expect((await client.send(request(server.url))).status).toBe(204);
      // The pool may open a second connection while the first is being released; never one per request.
      expect(server.connections()).toBeLessThanOrEqual(2);
    } finally {
      await server.close();
    }
  });

  it('reads chunked bodies with extensions and trailers, and repeated headers joined', async () => {
    const server = await rawServer(
      () =>
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\n\r\n' +
        '5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: t\r\n\r\n',
    );
    try {
      const client = createHttpClient();
      const res = await client.send(request(server.url));
      expect(res).toEqual({ status: 200, headers: expect.objectContaining({ 'x-a': '1, 2' }), body: 'hello, world' });
    } finally {
      await server.close();
    }
  });

  it('reads a body split across many packets', async () => {
    const server = await rawServer((_n, socket) => {
      const reply = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world';
      let at = 0;
      const next = () => {
        if (at >= reply.length) return;
        socket.write(reply.slice(at, at + 3));
        at += 3;
        setTimeout(next, 1);
      };
      next();
      return undefined;
    });
    try {
      expect((await createHttpClient().send(request(server.url))).body).toBe('hello world');
    } finally {
      await server.close();
    }
  });

  it('opens a new connection after a Connection: close response', async () => {
    const server = await rawServer((n) =>
      n === 1
        ? 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'
        : 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain',
    );
    try {
      const client = createHttpClient();
      expect((await client.send(request(server.url))).body).toBe('ok');
      expect((await client.send(request(server.url))).body).toBe('again');
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['a malformed status line', 'HTP/1.1 200 OK\r\n\r\n'],
    ['conflicting content-lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'],
    ['a malformed chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'],
    ['a connection closed before the body is complete', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'],
  ])('fails on %s', async (_what, reply) => {
    const server = await rawServer((_n, socket) => {
      socket.end(reply);
      return undefined;
    });
    try {
      await expect(createHttpClient().send(request(server.url, { timeoutMs: 1000 }))).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it('refuses header injection, credentials in the URL and other schemes before connecting', async () => {
    const client = createHttpClient();
    await expect(
      client.send(request('http://127.0.0.1:1/', { headers: { authorization: 'Bearer t\r\nX-Injected: 1' } })),
    ).rejects.toThrow(/invalid .*header/i);
    await expect(client.send(request('http://user:pw@127.0.0.1:1/'))).rejects.toThrow(/credentials/);
    await expect(client.send(request('ftp://127.0.0.1/'))).rejects.toThrow(/unsupported protocol/);
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;
  if (!openssl) console.warn('skipping the https test of createHttpClient: the openssl command is not installed');
  (openssl ? it : it.skip)(
    'speaks https, verifying the certificate against the given CA and the host name',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'http-client-https-'));
      try {
        const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
        run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
        run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Test CA', '-days', '1', '-out', 'ca.pem');
        run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key');
        run('req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr');
        writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
        run(
          'x509',
          '-req',
          '-in',
          'server.csr',
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-days',
          '1',
          '-extfile',
          'ext.cnf',
          '-out',
          'server.pem',
        );
        const server = createHttpsServer(
          { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
          (req, res) =>
            req.resume().on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('secure')),
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const port = (server.address() as AddressInfo).port;
        try {
          const trusted = createHttpClient({ ca: readFileSync(join(dir, 'ca.pem')) });
          expect((await trusted.send(request(`https://localhost:${port}/`))).body).toBe('secure');
          expect((await trusted.send(request(`https://127.0.0.1:${port}/`))).body).toBe('secure');
          // The guard's lookup on the TLS path: localhost resolved by the system resolver.
          const guarded = (allowLoopback: boolean) =>
            createHttpClient({
              ca: readFileSync(join(dir, 'ca.pem')),
              guard: createOutboundGuard({ allowLoopback, allowCidrs: [] }),
            });
          expect((await guarded(true).send(request(`https://localhost:${port}/`))).body).toBe('secure');
          await expect(guarded(false).send(request(`https://localhost:${port}/`))).rejects.toBeInstanceOf(
            OutboundTargetRefused,
          );
          // Without the CA the certificate is not trusted.
          await expect(createHttpClient().send(request(`https://localhost:${port}/`))).rejects.toThrow(/certificate/i);
        } finally {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
