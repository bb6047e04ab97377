import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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

// What the production adapter adds to the shared contract (http-client.contract.spec.ts).
describe('createHttpClient', () => {
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
