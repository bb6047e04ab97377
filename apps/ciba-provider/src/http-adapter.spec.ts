import { request as httpRequest } from 'node:http';
import { createProviderApp, type ProviderApp } from './bootstrap';

/** Raw HTTP, for what fetch will not send (a lying Content-Length, an endless body). */
function rawRequest(
  url: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path, url);
    const req = httpRequest(target, { method: options.method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    if (options.body) req.write(options.body);
    req.end();
  });
}

describe('ciba-provider HTTP adapter', () => {
  let provider: ProviderApp;
  const logLines: string[] = [];

  beforeAll(async () => {
    provider = await createProviderApp({
      env: { PORT: '0', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'info' },
      logWrite: (line) => logLines.push(line),
      shutdownHooks: false,
    });
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('listens on a free port and derives the issuer from it', () => {
    expect(provider.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(provider.url).port;
    expect(provider.issuer).toBe(`http://localhost:${port}`);
    expect(provider.ctx.settings.issuer).toBe(provider.issuer);
  });

  it('says in one log line that the admin API is off and how to turn it on', () => {
    const hints = logLines.filter((line) => line.includes('admin API off'));
    expect(hints).toHaveLength(1);
    expect(JSON.parse(hints[0])).toMatchObject({
      level: 'info',
      msg: 'admin API off: set ADMIN_TOKEN (at least 16 characters) to enable /admin/v1',
    });
  });

  it('answers the health check with ok when the database is reachable', async () => {
    const res = await fetch(`${provider.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves Prometheus metrics including the request counter', async () => {
    await fetch(`${provider.url}/health`);
    const res = await fetch(`${provider.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/onboard_http_requests_total\{route="\/health",method="GET",status="200"\} \d+/);
  });

  it('serves the OpenAPI document as JSON with this provider as server', async () => {
    const res = await fetch(`${provider.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; servers: { url: string }[]; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(doc.servers[0].url).toBe(provider.issuer);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/token', '/backchannel', '/owner-device/v1/requests']),
    );
  });

  it('shows the OpenAPI document in Swagger UI at /docs, its assets served locally', async () => {
    const page = await fetch(`${provider.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\/[^"']*\.(js|css)/i);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    const scripts = [...html.matchAll(/src="([^"]+\.js)"/g)].map((m) => new URL(m[1], `${provider.url}/docs/`).href);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect((await fetch(script)).status).toBe(200);
    const shown = (await (await fetch(`${provider.url}/docs/json`)).json()) as { servers: { url: string }[] };
    expect(shown.servers[0].url).toBe(provider.issuer);
  });

  it('answers an unknown route with a 404 JSON error, not Nest default body', async () => {
    const res = await fetch(`${provider.url}/no/such/thing?x=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ error: 'not_found', error_description: 'no such endpoint' });
    expect(body).not.toHaveProperty('statusCode');
  });

  it('answers the root path with a 404 JSON error', async () => {
    const res = await fetch(`${provider.url}/`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('not_found');
  });

  it.each([
    ['GET', '/token', 'POST'],
    ['PUT', '/backchannel', 'POST'],
    ['DELETE', '/.well-known/openid-configuration', 'GET, HEAD'],
    ['POST', '/jwks', 'GET, HEAD'],
    ['GET', '/introspect', 'POST'],
    ['GET', '/revoke', 'POST'],
    ['GET', '/register', 'POST'],
    ['PATCH', '/userinfo', 'GET, POST, HEAD'],
    ['POST', '/owner-device/v1/requests', 'GET, HEAD'],
    ['GET', '/owner-device/v1/requests/abc/approve', 'POST'],
    ['DELETE', '/health', 'GET, HEAD'],
    ['DELETE', '/admin/v1/owners', 'GET, POST, HEAD'],
    ['GET', '/admin/v1/owners/alice/user-code', 'PUT'],
  ])('answers %s %s with 405 invalid_request and Allow: %s', async (method, path, allow) => {
    const res = await fetch(`${provider.url}${path}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses a body larger than 256 KiB with 413 invalid_request, never a 5xx', async () => {
    const body = 'scope=openid&pad=' + 'a'.repeat(300 * 1024);
    const res = await fetch(`${provider.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses an oversized chunked body that declares no length with 413', async () => {
    const res = await rawRequest(provider.url, {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
      body: Buffer.alloc(400 * 1024, 'a'),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error).toBe('invalid_request');
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    const res = await rawRequest(provider.url, {
      method: 'POST',
      path: '/backchannel',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(10 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
  });

  it('refuses a token request with a JSON content type with 400 invalid_request', async () => {
    const res = await fetch(`${provider.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses a backchannel request without a content type with 400 invalid_request', async () => {
    const res = await fetch(`${provider.url}/backchannel`, { method: 'POST', body: new Uint8Array([1, 2, 3]) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('hands the raw body to the core, which rejects a duplicated parameter', async () => {
    const res = await fetch(`${provider.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&grant_type=refresh_token',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toContain('more than once');
  });

  it('serves the JWKS with public keys only', async () => {
    const res = await fetch(`${provider.url}/jwks`);
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(
      keys
        .filter((key) => key.use === 'sig')
        .map((key) => key.alg)
        .sort(),
    ).toEqual(['ES256', 'PS256', 'RS256']);
    // RFC 9101 §6.1: the key clients encrypt request objects to
    expect(keys.filter((key) => key.use === 'enc').map((key) => key.alg)).toEqual(['ECDH-ES+A256KW']);
    for (const key of keys) expect(key).not.toHaveProperty('d');
  });

  it('asks an owner device without a credential for a bearer token (401)', async () => {
    const res = await fetch(`${provider.url}/owner-device/v1/requests`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
  });

  it('answers an owner-device decision on an unknown request with an authentication error before anything else', async () => {
    const res = await fetch(`${provider.url}/owner-device/v1/requests/nope/approve`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-device' },
    });
    expect(res.status).toBe(401);
  });

  it('answers a malformed percent-encoding in a path parameter with 400 invalid_request', async () => {
    const res = await fetch(`${provider.url}/owner-device/v1/requests/%E0%A4%A`, {
      headers: { authorization: 'Bearer not-a-device' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('answers an unknown admin path with 404 whatever the credential', async () => {
    const res = await fetch(`${provider.url}/admin/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('not_found');
  });

  it("sets the security headers on every answer, the router's refusals included", async () => {
    for (const path of ['/jwks', '/no/such/thing', '/owner-device/v1/requests/%E0%A4%A']) {
      const res = await fetch(`${provider.url}${path}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('serves the protocol endpoints with a trailing slash, any case, and HEAD', async () => {
    expect((await fetch(`${provider.url}/JWKS`)).status).toBe(200);
    expect((await fetch(`${provider.url}/jwks/`)).status).toBe(200);
    const head = await fetch(`${provider.url}/.well-known/openid-configuration`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('stays alive after the oversized requests', async () => {
    const res = await fetch(`${provider.url}/health`);
    expect(res.status).toBe(200);
  });

  it('logs one JSON line per request with method, path, status and duration, without the query', async () => {
    logLines.length = 0;
    await fetch(`${provider.url}/health?access_token=SECRET-IN-QUERY`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // (a line of an earlier test's request may still arrive: only /health lines are this one's)
    const requestLines = logLines
      .map((line) => JSON.parse(line))
      .filter((line) => line.msg === 'request' && line.path === '/health');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ level: 'info', method: 'GET', path: '/health', status: 200 });
    expect(typeof requestLines[0].ms).toBe('number');
    expect(logLines.join('')).not.toContain('SECRET-IN-QUERY');
  });
});

describe('several providers in one process', () => {
  it('boot side by side with separate metrics registries', async () => {
    const env = { PORT: '0', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' };
    const a = await createProviderApp({ env, shutdownHooks: false });
    const b = await createProviderApp({ env, shutdownHooks: false });
    try {
      expect(a.url).not.toBe(b.url);
      await fetch(`${a.url}/health`);
      const metricsB = await (await fetch(`${b.url}/metrics`)).text();
      expect(metricsB).not.toContain('route="/health"');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
