import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboundRequest } from '../ports/http-client.port';
import { HttpProtocolError, createLeanHttpClient } from './lean-http-client';
import { ResponseTooLargeError } from './fetch-http-client';
import { OutboundTargetRefused, createOutboundGuard } from './outbound-guard';

/** A raw TCP server answering each request with `answer(requestText, connectionNumber)`. */
async function rawServer(answer: (request: string, connection: number, socket: Socket) => string | undefined) {
  let connections = 0;
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((socket) => {
    const number = ++connections;
    sockets.add(socket);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      // One request per head (+ body by content-length) in these tests.
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const request = buffered.slice(0, end + 4 + length);
      buffered = buffered.slice(end + 4 + length);
      requests.push(request);
      const reply = answer(request, number, socket);
      if (reply !== undefined) socket.write(reply);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const request = (url: string, extra: Partial<OutboundRequest> = {}): OutboundRequest => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
  body: '{"auth_req_id":"r1"}',
  timeoutMs: 2000,
  maxResponseBytes: 1024,
  ...extra,
});

describe('createLeanHttpClient', () => {
  it('writes one HTTP/1.1 request with host, content-length and the body, and keeps the connection', async () => {
    const server = await rawServer(() => 'HTTP/1.1 204 No Content\r\n\r\n');
    try {
      const client = createLeanHttpClient();
      for (let i = 0; i < 3; i++) expect((await client.send(request(`${server.url}/cb?x=1`))).status).toBe(204);
      expect(server.connections()).toBe(1);
      const host = new URL(server.url).host;
      expect(server.requests[0]).toBe(
        `POST /cb?x=1 HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\nauthorization: Bearer t\r\n` +
          'content-length: 20\r\n\r\n{"auth_req_id":"r1"}',
      );
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
      const client = createLeanHttpClient();
      const res = await client.send(request(server.url));
      expect(res).toEqual({ status: 200, headers: expect.objectContaining({ 'x-a': '1, 2' }), body: 'hello, world' });
      // The connection stays usable after a chunked response.
      await client.send(request(server.url));
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('reads a body split across many packets', async () => {
    const server = await rawServer((_req, _n, socket) => {
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
      expect((await createLeanHttpClient().send(request(server.url))).body).toBe('hello world');
    } finally {
      await server.close();
    }
  });

  it('opens a new connection after a Connection: close response, and reads an HTTP/1.0 body to the close', async () => {
    const server = await rawServer((_req, n, socket) => {
      if (n === 1) return 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok';
      socket.end('HTTP/1.0 200 OK\r\n\r\nuntil the end');
      return undefined;
    });
    try {
      const client = createLeanHttpClient();
      expect((await client.send(request(server.url))).body).toBe('ok');
      expect((await client.send(request(server.url))).body).toBe('until the end');
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('skips an interim 1xx response', async () => {
    const server = await rawServer(() => 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    try {
      expect(await createLeanHttpClient().send(request(server.url))).toMatchObject({ status: 200, body: 'ok' });
    } finally {
      await server.close();
    }
  });

  it.each([
    ['a malformed status line', 'HTP/1.1 200 OK\r\n\r\n'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n'],
    ['conflicting content-lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'],
    ['a malformed chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'],
    [
      'bytes after a chunk that are not CRLF',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n',
    ],
  ])('refuses %s with an HttpProtocolError', async (_name, reply) => {
    const server = await rawServer(() => reply);
    try {
      await expect(createLeanHttpClient().send(request(server.url))).rejects.toBeInstanceOf(HttpProtocolError);
    } finally {
      await server.close();
    }
  });

  it('refuses a response head beyond the limit, and a chunked body beyond maxResponseBytes', async () => {
    const server = await rawServer((req) =>
      req.startsWith('POST /head')
        ? `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`
        : `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(2000).toString(16)}\r\n${'b'.repeat(2000)}\r\n0\r\n\r\n`,
    );
    try {
      const client = createLeanHttpClient();
      await expect(client.send(request(`${server.url}/head`))).rejects.toBeInstanceOf(HttpProtocolError);
      await expect(client.send(request(`${server.url}/body`))).rejects.toBeInstanceOf(ResponseTooLargeError);
    } finally {
      await server.close();
    }
  });

  it('refuses header injection, credentials in the URL and other schemes before connecting', async () => {
    const client = createLeanHttpClient();
    await expect(
      client.send(request('http://127.0.0.1:1/', { headers: { authorization: 'Bearer t\r\nX-Injected: 1' } })),
    ).rejects.toThrow(/invalid header/);
    await expect(client.send(request('http://127.0.0.1:1/', { headers: { 'bad name': 'x' } }))).rejects.toThrow(
      /invalid header/,
    );
    await expect(client.send(request('http://user:pw@127.0.0.1:1/'))).rejects.toThrow(/credentials/);
    await expect(client.send(request('ftp://127.0.0.1/'))).rejects.toThrow(/unsupported protocol/);
  });

  it('fails a request whose connection closes before the response is complete', async () => {
    const server = await rawServer((_req, _n, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort');
      return undefined;
    });
    try {
      await expect(createLeanHttpClient().send(request(server.url))).rejects.toThrow(/closed before the response/);
    } finally {
      await server.close();
    }
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;
  if (!openssl) console.warn('skipping the https test of createLeanHttpClient: the openssl command is not installed');
  (openssl ? it : it.skip)(
    'speaks https, verifying the certificate against the given CA and the host name',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lean-https-'));
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
          const trusted = createLeanHttpClient({ ca: readFileSync(join(dir, 'ca.pem')) });
          expect((await trusted.send(request(`https://localhost:${port}/`))).body).toBe('secure');
          expect((await trusted.send(request(`https://127.0.0.1:${port}/`))).body).toBe('secure');
          // The guard's lookup on the TLS path: localhost resolved by the system resolver.
          const guarded = (allowLoopback: boolean) =>
            createLeanHttpClient({
              ca: readFileSync(join(dir, 'ca.pem')),
              guard: createOutboundGuard({ allowLoopback, allowCidrs: [] }),
            });
          expect((await guarded(true).send(request(`https://localhost:${port}/`))).body).toBe('secure');
          await expect(guarded(false).send(request(`https://localhost:${port}/`))).rejects.toBeInstanceOf(
            OutboundTargetRefused,
          );
          // Without the CA the certificate is not trusted.
          await expect(createLeanHttpClient().send(request(`https://localhost:${port}/`))).rejects.toThrow(
            /certificate/i,
          );
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
