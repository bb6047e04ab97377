import { BridgeHttpServer, HttpError, json } from './http-server';

const errors: Array<Record<string, unknown> | undefined> = [];
const logger = {
  debug() {},
  info() {},
  warn() {},
  error: (_m: string, f?: Record<string, unknown>) => void errors.push(f),
};

describe('bridge HTTP server (Nest on Fastify, real HTTP)', () => {
  const seen: Array<[string, string, number]> = [];
  const http = new BridgeHttpServer({
    logger,
    onRequest: (route, method, status) => void seen.push([route, method, status]),
  });
  let base: string;
  beforeAll(async () => {
    http.route('GET', '/admin/v1/devices/:id', async (req) => json(200, { id: req.params.id, q: req.query.get('q') }));
    base = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
    // Bound after the listener started, as the admin API is once its device admin exists.
    http.route('POST', '/admin/v1/devices:import', async (req) => json(200, { bytes: (await req.body(10)).length }));
    http.route('GET', '/health', async () => {
      throw new Error('secret detail');
    });
    http.route('POST', '/admin/v1/devices/:id/disable', async () => {
      throw new HttpError(409, 'conflict', 'already disabled');
    });
  });
  afterAll(() => http.close());

  it('routes by template, decodes parameters and reports the template, not the path, for metrics', async () => {
    const res = await fetch(`${base}/admin/v1/devices/hu%2D1?q=x`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.json()).toEqual({ id: 'hu-1', q: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen.at(-1)).toEqual(['/admin/v1/devices/:id', 'GET', 200]);
  });

  it('treats the colon of devices:import as a literal and bounds the body', async () => {
    const small = await fetch(`${base}/admin/v1/devices:import`, { method: 'POST', body: '12345' });
    expect(await small.json()).toEqual({ bytes: 5 });
    const big = await fetch(`${base}/admin/v1/devices:import`, { method: 'POST', body: 'x'.repeat(100) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('payload_too_large');
  });

  it("refuses a body over the route's own limit before the handler runs", async () => {
    const res = await fetch(`${base}/admin/v1/devices/hu-1/disable`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(res.status).toBe(413);
  });

  it('answers 404 for an unknown path or a route nothing bound, 405 with Allow for another method', async () => {
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect((await fetch(`${base}/ciba/notify`, { method: 'POST', body: '{}' })).status).toBe(404);
    const res = await fetch(`${base}/admin/v1/devices/hu-1`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('renders typed errors with their status and hides unexpected ones behind a logged error id', async () => {
    const conflict = await fetch(`${base}/admin/v1/devices/hu-1/disable`, { method: 'POST' });
    expect([conflict.status, await conflict.json()]).toEqual([
      409,
      { error: 'conflict', error_description: 'already disabled' },
    ]);
    const res = await fetch(`${base}/health`);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(res.status).toBe(500);
    expect(body.error).toBe('server_error');
    expect(JSON.stringify(body)).not.toContain('secret detail');
    expect(body.error_description).toContain(errors.at(-1)?.errorId as string);
  });

  it('refuses a second binding of the same route and a route the API does not have', () => {
    expect(() => http.route('GET', '/health', async () => json(200, {}))).toThrow(/twice/);
    expect(() => http.route('GET', '/boom', async () => json(200, {}))).toThrow(/not a route/);
  });
});
