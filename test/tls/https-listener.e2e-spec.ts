import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { PATHS } from '@onboard/ciba-core';
import { createProviderApp } from '../../apps/ciba-provider/src/bootstrap';
import { issueDevCertificate } from '@onboard/platform/tls';

// The provider on HTTPS (TLS_CERT_FILE, TLS_KEY_FILE) with a certificate from the development
// CA (`npm run dev-cert`): a client trusting that CA reaches it, the derived issuer and every
// endpoint are https, and the owner app's WebAuthn relying party follows the issuer.
describe('HTTPS listener with a development certificate', () => {
  let dir: string;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onboard-tls-'));
    const made = await issueDevCertificate({ names: ['localhost', '127.0.0.1'] });
    ca = made.ca.certPem;
    writeFileSync(join(dir, 'cert.pem'), made.server.certPem);
    writeFileSync(join(dir, 'key.pem'), made.server.keyPem, { mode: 0o600 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({
    PORT: '0',
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: 'admin-token-for-the-tls-test-0123456789',
    TLS_CERT_FILE: join(dir, 'cert.pem'),
    TLS_KEY_FILE: join(dir, 'key.pem'),
    ...extra,
  });

  it('serves discovery over TLS to a client that trusts the development CA; the issuer is https', async () => {
    const provider = await createProviderApp({ env: env(), shutdownHooks: false });
    try {
      expect(provider.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const port = new URL(provider.url).port;
      const dispatcher = new Agent({ connect: { ca } });
      const res = await fetch(`https://localhost:${port}${PATHS.discovery}`, { dispatcher });
      expect(res.status).toBe(200);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      const discovery = (await res.json()) as Record<string, string>;
      expect(discovery.issuer).toBe(`https://localhost:${port}`);
      expect(discovery.backchannel_authentication_endpoint).toBe(`https://localhost:${port}/backchannel`);
      // The owner app's relying party follows the issuer: an invitation link is on it.
      const invite = await fetch(`https://localhost:${port}${PATHS.admin}/owners`, {
        dispatcher,
        method: 'POST',
        headers: {
          authorization: 'Bearer admin-token-for-the-tls-test-0123456789',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ email: 'tls@example.com' }),
      });
      const { sub } = (await invite.json()) as { sub: string };
      const link = await fetch(`https://localhost:${port}${PATHS.admin}/owners/${sub}/invitations`, {
        dispatcher,
        method: 'POST',
        headers: { authorization: 'Bearer admin-token-for-the-tls-test-0123456789' },
      });
      expect(((await link.json()) as { url: string }).url).toMatch(
        new RegExp(`^https://localhost:${port}/app/#/enrol/`),
      );
      // A client without the CA refuses the certificate; plain HTTP on the port gets no HTTP answer.
      await expect(fetch(`https://localhost:${port}${PATHS.discovery}`)).rejects.toThrow();
      const plain = await new Promise<string>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: PATHS.discovery }, (r) =>
          resolve(`status ${r.statusCode}`),
        );
        req.on('error', (error) => resolve(`error ${error.message}`));
        req.end();
      });
      expect(plain).not.toBe('status 200');
      await dispatcher.close();
    } finally {
      await provider.close();
    }
  });

  it('names the variable when a file is missing, or the key does not match the certificate', async () => {
    await expect(createProviderApp({ env: env({ TLS_CERT_FILE: join(dir, 'absent.pem') }) })).rejects.toThrow(
      /TLS_CERT_FILE.*cannot read/,
    );
    await expect(createProviderApp({ env: env({ TLS_KEY_FILE: undefined as unknown as string }) })).rejects.toThrow(
      /TLS_KEY_FILE.*is needed with TLS_CERT_FILE/,
    );
    const other = await issueDevCertificate({ names: ['localhost'] });
    writeFileSync(join(dir, 'other-key.pem'), other.server.keyPem);
    await expect(createProviderApp({ env: env({ TLS_KEY_FILE: join(dir, 'other-key.pem') }) })).rejects.toThrow(
      /TLS_CERT_FILE.*does not make a TLS identity/,
    );
  });

  it('issues server certificates under one reusable CA, with the names asked for', async () => {
    const first = await issueDevCertificate({ names: ['192-168-1-20.sslip.io', '192.168.1.20', 'localhost'] });
    const second = await issueDevCertificate({ names: ['pi.local'], ca: first.ca });
    const caCert = new X509Certificate(first.ca.certPem);
    expect(caCert.ca).toBe(true);
    for (const made of [first, second]) {
      const leaf = new X509Certificate(made.server.certPem);
      expect(leaf.verify(caCert.publicKey)).toBe(true);
      expect(leaf.ca).toBe(false);
      expect(leaf.checkIssued(caCert)).toBe(true);
      const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(390);
      expect(days).toBeLessThanOrEqual(398);
    }
    expect(new X509Certificate(first.server.certPem).subjectAltName).toBe(
      'DNS:192-168-1-20.sslip.io, DNS:localhost, IP Address:192.168.1.20',
    );
    expect(new X509Certificate(second.server.certPem).checkHost('pi.local')).toBe('pi.local');
    await expect(issueDevCertificate({ names: ['not a name'] })).rejects.toThrow(/'not a name' is neither/);
    await expect(issueDevCertificate({ names: ['x.local'], ca: first.server })).rejects.toThrow(/not a CA/);
  });
});
