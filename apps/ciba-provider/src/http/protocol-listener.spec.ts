import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderContext, WireResponse } from '@onboard/ciba-core';
import { createLogger, createPrometheusMetrics } from '@onboard/platform';
import { IntakeGate } from './admission';
import { createProtocolListener } from './protocol-listener';
import { ProtocolRouter, type ProtocolRoute } from './protocol-routes';

/** A handler that answers only when the test releases it. */
class Held {
  started = 0;
  private releases: Array<() => void> = [];
  handle = async (): Promise<WireResponse> => {
    this.started++;
    await new Promise<void>((resolve) => this.releases.push(resolve));
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
  };
  releaseOne(): void {
    this.releases.shift()?.();
  }
}

function post(base: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('condition not reached');
};

describe('protocol listener admission (real HTTP)', () => {
  let server: Server;
  let base: string;
  let intake: Held;
  let completion: Held;

  beforeEach(async () => {
    intake = new Held();
    completion = new Held();
    const routes: ProtocolRoute[] = [
      { method: 'POST', path: '/intake', intake: true, handle: () => intake.handle() },
      { method: 'POST', path: '/completion', handle: () => completion.handle() },
    ];
    const listener = createProtocolListener({
      ctx: { settings: { issuer: 'http://localhost' } } as ProviderContext,
      logger: createLogger({ level: 'silent' }),
      metrics: createPrometheusMetrics(),
      fallback: (_req, res) => res.writeHead(404).end(),
      router: new ProtocolRouter(routes),
      intake: new IntakeGate({ limit: 1, maxQueue: 1 }),
    });
    server = createServer(listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('serves flows already started while new intake requests wait their turn, and refuses beyond the queue', async () => {
    const first = post(base, '/intake');
    await until(() => intake.started === 1);
    const second = post(base, '/intake'); // waits: the limit is one
    await new Promise((r) => setTimeout(r, 30));
    expect(intake.started).toBe(1);

    // A completion request is never held back by the gate.
    const done = post(base, '/completion');
    await until(() => completion.started === 1);
    completion.releaseOne();
    expect((await done).status).toBe(200);

    // The queue holds one: a third intake request is refused at once, with Retry-After.
    const third = await post(base, '/intake');
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('1');
    expect(JSON.parse(third.body)).toMatchObject({ error: 'temporarily_unavailable' });

    intake.releaseOne();
    expect((await first).status).toBe(200);
    await until(() => intake.started === 2);
    intake.releaseOne();
    expect((await second).status).toBe(200);
  });

  it('does no work for an intake request whose client gave up while it waited', async () => {
    const first = post(base, '/intake');
    await until(() => intake.started === 1);
    const abandoned = request(`${base}/intake`, { method: 'POST', agent: false });
    abandoned.on('error', () => undefined);
    abandoned.end();
    await new Promise((r) => setTimeout(r, 30));
    abandoned.destroy();
    await new Promise((r) => setTimeout(r, 30));
    intake.releaseOne();
    expect((await first).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(intake.started).toBe(1);
    // The slot is free again.
    const next = post(base, '/intake');
    await until(() => intake.started === 2);
    intake.releaseOne();
    expect((await next).status).toBe(200);
  });

  it('runs intake one request at a time while a finishing request (token, owner decision) is served', async () => {
    const finishing = new Held();
    const more = new Held();
    const gate = new IntakeGate({ limit: 2, maxQueue: 10 });
    const routes: ProtocolRoute[] = [
      { method: 'POST', path: '/intake', intake: true, handle: () => more.handle() },
      { method: 'POST', path: '/finish', finishing: true, handle: () => finishing.handle() },
    ];
    const own = createServer(
      createProtocolListener({
        ctx: { settings: { issuer: 'http://localhost' } } as ProviderContext,
        logger: createLogger({ level: 'silent' }),
        metrics: createPrometheusMetrics(),
        fallback: (_req, res) => res.writeHead(404).end(),
        router: new ProtocolRouter(routes),
        intake: gate,
      }),
    );
    await new Promise<void>((r) => own.listen(0, '127.0.0.1', r));
    const ownBase = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    try {
      const finish = post(ownBase, '/finish');
      await until(() => finishing.started === 1);
      const first = post(ownBase, '/intake');
      await until(() => more.started === 1);
      const second = post(ownBase, '/intake'); // the limit is two, but a finishing request is being served
      await until(() => gate.queued === 1);
      await new Promise((r) => setTimeout(r, 30));
      expect(more.started).toBe(1);
      finishing.releaseOne();
      expect((await finish).status).toBe(200);
      await until(() => more.started === 2); // answered: the second runs beside the first
      more.releaseOne();
      more.releaseOne();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
    } finally {
      own.closeAllConnections();
      await new Promise((r) => own.close(r));
    }
  });
});
