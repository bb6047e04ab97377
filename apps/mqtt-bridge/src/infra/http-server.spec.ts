import { BridgeHttpServer, HttpError, json } from './http-server';

const errors: Array<Record<string, unknown> | undefined> = [];
const logger = {
  debug() {},
  info() {},
  warn() {},
  error: (_m: string, f?: Record<string, unknown>) => void errors.push(f),
};

describe('bridge HTTP server', () => {
  const seen: Array<[string, string, number]> = [];
  const http = new BridgeHttpServer({
    logger,
    onRequest: (route, method, status) => void seen.push([route, method, status]),
  });
  let base: string;
  beforeAll(async () => {
    http.route('GET', '/admin/v1/devices/:id', async (req) => json(200, { id: req.params.id, q: req.query.get('q') }));
    http.route('POST', '/admin/v1/devices:import', async (req) => json(200, { bytes: (await req.body(10)).length }));
    http.route('GET', '/boom', async () => {
      throw new Error('secret detail');
    });
    http.route('GET', '/teapot', async () => {
      throw new HttpError(418, 'teapot', 'short and stout');
    });
    base = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
  });
  afterAll(() => http.close());

  it('routes by template, decodes parameters and reports the template, not the path, for metrics', async () => {
    const res = await fetch(`${base}/admin/v1/devices/hu%2D1?q=x`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ id: 'hu-1', q: 'x' });
    expect(seen.at(-1)).toEqual(['/admin/v1/devices/:id', 'GET', 200]);
  });

  it('treats a colon inside a segment as a literal and bounds the body', async () => {
    const small = await fetch(`${base}/admin/v1/devices:import`, { method: 'POST', body: '12345' });
    expect(await small.json()).toEqual({ bytes: 5 });
    const big = await fetch(`${base}/admin/v1/devices:import`, { method: 'POST', body: 'x'.repeat(100) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toBe('payload_too_large');
  });

  it('answers 404 for an unknown path and 405 with Allow for a known path and another method', async () => {
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    const res = await fetch(`${base}/admin/v1/devices/hu-1`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('renders typed errors with their status and hides unexpected ones behind a logged error id', async () => {
    expect((await fetch(`${base}/teapot`)).status).toBe(418);
    const res = await fetch(`${base}/boom`);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(res.status).toBe(500);
    expect(body.error).toBe('server_error');
    expect(JSON.stringify(body)).not.toContain('secret detail');
    expect(body.error_description).toContain(errors.at(-1)?.errorId as string);
  });

  it('refuses a second registration of the same route', () => {
    expect(() => http.route('GET', '/boom', async () => json(200, {}))).toThrow(/twice/);
  });
});
