import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestTimeoutError, ResponseTooLargeError, type HttpClient } from './http-client.port';
import { createHttpClient } from './undici-http-client';
import { OutboundTargetRefused, createOutboundGuard, type OutboundGuard } from '../outbound/outbound-guard';

describe.each<[string, (options?: { guard?: OutboundGuard }) => HttpClient]>([['createHttpClient', createHttpClient]])(
  '%s',
  (_name, createClient) => {
    let server: Server;
    let base: string;
    let port: number;
    let connections = 0;
    const received: { method?: string; headers: IncomingMessage['headers']; body: string }[] = [];

    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push({ method: req.method, headers: req.headers, body });
          switch (req.url) {
            case '/ok':
              res.writeHead(200, { 'Content-Type': 'application/json', 'X-Mixed-Case': 'yes' }).end('{"fine":true}');
              return;
            case '/redirect':
              res.writeHead(302, { Location: `${base}/ok` }).end();
              return;
            case '/big':
              res.writeHead(200, { 'content-length': String(100_000) }).end('x'.repeat(100_000));
              return;
            case '/stream': {
              // No content-length: chunked, and it never ends on its own.
              res.writeHead(200);
              const timer = setInterval(() => res.write('y'.repeat(4096)), 1);
              res.on('close', () => clearInterval(timer));
              return;
            }
            case '/slow':
              setTimeout(() => res.writeHead(204).end(), 2000).unref();
              return;
            default:
              res.writeHead(404).end();
          }
        });
      });
      server.on('connection', () => connections++);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
      base = `http://127.0.0.1:${port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    const client = createClient();
    const send = (path: string, extra: Partial<Parameters<HttpClient['send']>[0]> = {}) =>
      client.send({
        url: base + path,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
        body: '{"a":1}',
        timeoutMs: 1000,
        maxResponseBytes: 1024,
        ...extra,
      });

    it('sends method, headers and body and returns status, lower-case headers and body', async () => {
      const res = await send('/ok');
      expect(res.status).toBe(200);
      expect(res.headers['x-mixed-case']).toBe('yes');
      expect(res.body).toBe('{"fine":true}');
      const last = received[received.length - 1];
      expect(last.method).toBe('POST');
      expect(last.headers.authorization).toBe('Bearer t');
      expect(last.body).toBe('{"a":1}');
    });

    it('returns a redirect as is instead of following it', async () => {
      const before = received.length;
      const res = await send('/redirect');
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(`${base}/ok`);
      expect(received.length).toBe(before + 1);
    });

    it('sends several requests in a row over the same client', async () => {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await send('/ok')).status);
      expect(statuses).toEqual([200, 200, 200]);
    });

    it('throws when the declared body is larger than the limit', async () => {
      await expect(send('/big')).rejects.toBeInstanceOf(ResponseTooLargeError);
    });

    it('aborts an endless streamed body once it passes the limit', async () => {
      await expect(send('/stream', { maxResponseBytes: 64 * 1024 })).rejects.toBeInstanceOf(ResponseTooLargeError);
    });

    it('throws a timeout error when the peer is too slow', async () => {
      const started = Date.now();
      await expect(send('/slow', { timeoutMs: 100 })).rejects.toBeInstanceOf(RequestTimeoutError);
      expect(Date.now() - started).toBeLessThan(1500);
    });

    describe('with an outbound guard', () => {
      // Names of these tests' own: 'rebind.test' resolves to this machine, as a DNS rebinding
      // attacker's name would; 'bridge.test' too, but the operator allows its range.
      const resolve = async (name: string) => {
        if (name === 'rebind.test' || name === 'bridge.test') return [{ address: '127.0.0.1', family: 4 }];
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      };
      const strict = createOutboundGuard({ allowLoopback: false, allowCidrs: [] }, { resolve });
      const get = (guarded: HttpClient, url: string) =>
        guarded.send({ url, method: 'POST', headers: {}, body: '{}', timeoutMs: 1000, maxResponseBytes: 1024 });

      it.each([
        ['a loopback address', () => `${base}/ok`],
        ['a bracketed IPv4-mapped loopback address', () => `http://[::ffff:127.0.0.1]:${port}/ok`],
        ['the IPv6 loopback address', () => `http://[::1]:${port}/ok`],
        ['the metadata service address', () => 'http://169.254.169.254/latest/meta-data/'],
        ['a private address', () => 'http://10.0.0.1/'],
        ['a metadata service name', () => 'http://metadata.google.internal/computeMetadata/v1/'],
        ['localhost', () => `http://localhost:${port}/ok`],
      ])('refuses %s before connecting', async (_what, url) => {
        const before = connections;
        await expect(get(createClient({ guard: strict }), url())).rejects.toBeInstanceOf(OutboundTargetRefused);
        expect(connections).toBe(before);
      });

      it('refuses a name that resolves to a loopback address at the connect step (DNS rebinding)', async () => {
        const before = connections;
        const attempt = get(createClient({ guard: strict }), `http://rebind.test:${port}/ok`);
        await expect(attempt).rejects.toBeInstanceOf(OutboundTargetRefused);
        await expect(attempt).rejects.toMatchObject({ host: 'rebind.test', address: '127.0.0.1' });
        expect(connections).toBe(before);
      });

      it('connects through its lookup to a name in an allowed range', async () => {
        const allowing = createOutboundGuard({ allowLoopback: false, allowCidrs: ['127.0.0.0/8'] }, { resolve });
        const res = await get(createClient({ guard: allowing }), `http://bridge.test:${port}/ok`);
        expect(res.status).toBe(200);
        expect(received[received.length - 1].headers.host).toBe(`bridge.test:${port}`);
      });
    });

    it('throws on a refused connection', async () => {
      await expect(
        createClient().send({
          url: 'http://127.0.0.1:1/',
          method: 'GET',
          headers: {},
          timeoutMs: 1000,
          maxResponseBytes: 10,
        }),
      ).rejects.toThrow();
    });
  },
);
