import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OutboxMessage } from '../domain/tokens';
import { attemptLeaseMs } from './notification-message';
import { NotificationDelivery } from './notification-delivery';
import { testContext, type TestContext } from './testing.helper';

interface Hit {
  path: string;
  at: number;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** A real client notification endpoint on 127.0.0.1 whose behaviour each test scripts. */
class Listener {
  server!: Server;
  base = '';
  hits: Hit[] = [];
  /** Per path: a queue of responses; the last one repeats. */
  script = new Map<string, ((res: ServerResponse) => void)[]>();

  async open(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.hits.push({
          path,
          at: Date.now(),
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body,
        });
        const queue = this.script.get(path) ?? [(r: ServerResponse) => r.writeHead(404).end()];
        const respond = queue.length > 1 ? queue.shift()! : queue[0];
        respond(res);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(path: string, ...responses: ((res: ServerResponse) => void)[]): string {
    this.script.set(path, responses);
    return this.base + path;
  }

  count(path: string): number {
    return this.hits.filter((h) => h.path === path).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const status =
  (code: number, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res.writeHead(code, headers).end();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('NotificationDelivery', () => {
  const listener = new Listener();
  let ctx: TestContext;
  const workers: NotificationDelivery[] = [];
  let n = 0;

  beforeAll(() => listener.open());
  afterAll(() => listener.close());
  beforeEach(() => {
    ctx = testContext(
      { notificationBackoffMs: 20, notificationMaxAttempts: 4, notificationTimeoutMs: 1000 },
      { realClock: true },
    );
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  const worker = (c: TestContext = ctx, options: ConstructorParameters<typeof NotificationDelivery>[1] = {}) => {
    const w = new NotificationDelivery(c, { pollIntervalMs: 10, ...options });
    workers.push(w);
    return w;
  };

  async function enqueue(
    url: string,
    patch: Partial<OutboxMessage> = {},
    c: TestContext = ctx,
  ): Promise<OutboxMessage> {
    const now = c.clock.now();
    const message: OutboxMessage = {
      id: `m${++n}`,
      authRequestId: `ar${n}`,
      clientId: 'client-1',
      url,
      bearer: 'secret-notification-token',
      body: JSON.stringify({ auth_req_id: 'secret-auth-req-id' }),
      attempts: 0,
      nextAttemptAt: now,
      status: 'pending',
      createdAt: now,
      ...patch,
    };
    await c.stores.outbox.enqueue(message);
    return message;
  }

  const stored = (id: string) => ctx.stores.outbox.find(id) as Promise<OutboxMessage>;

  it('delivers a ping with the bearer token and JSON body and marks it delivered on 204', async () => {
    const m = await enqueue(listener.on('/ok', status(204)));
    await worker().kick(m.id);
    const hit = listener.hits.find((h) => h.path === '/ok')!;
    expect(hit.authorization).toBe('Bearer secret-notification-token');
    expect(hit.contentType).toBe('application/json');
    expect(JSON.parse(hit.body)).toEqual({ auth_req_id: 'secret-auth-req-id' });
    expect(await stored(m.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(ctx.observed.map((o) => o.name)).toEqual(['notification_delivery_seconds']);
  });

  it('accepts any 2xx as delivered', async () => {
    const m = await enqueue(listener.on('/ok200', (res) => res.writeHead(200).end('thanks')));
    await worker().kick(m.id);
    expect((await stored(m.id)).status).toBe('delivered');
  });

  it('never writes the bearer token or the body into the logs', async () => {
    const m = await enqueue(listener.on('/logcheck', status(500), status(204)));
    const w = worker();
    await w.kick(m.id);
    await sleep(60);
    await w.kick();
    const text = JSON.stringify(ctx.logs);
    expect(ctx.logs.length).toBeGreaterThan(0);
    expect(text).not.toContain('secret-notification-token');
    expect(text).not.toContain('secret-auth-req-id');
  });

  it('retries a 500 with growing backoff and then succeeds', async () => {
    const m = await enqueue(listener.on('/flaky', status(500), status(503), status(204)));
    worker().start();
    await until(async () => (await stored(m.id)).status === 'delivered');
    const hits = listener.hits.filter((h) => h.path === '/flaky');
    expect(hits).toHaveLength(3);
    // Equal jitter: at least half of 20 ms, then half of 40 ms.
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(9);
    expect(hits[2].at - hits[1].at).toBeGreaterThanOrEqual(19);
    expect(await stored(m.id)).toMatchObject({ attempts: 3, status: 'delivered' });
  });

  it('gives up after the configured number of attempts and audits the failure', async () => {
    const m = await enqueue(listener.on('/down', status(502)));
    worker().start();
    await until(async () => (await stored(m.id)).status === 'failed');
    expect(listener.count('/down')).toBe(4);
    expect(await stored(m.id)).toMatchObject({ attempts: 4, lastError: 'HTTP 502' });
    const audit = await ctx.stores.audit.list({ authRequestId: m.authRequestId });
    expect(audit.map((e) => e.type)).toEqual(['notification.failed']);
  });

  it('does not retry after a 401', async () => {
    const m = await enqueue(listener.on('/unauthorized', status(401)));
    const w = worker();
    w.start();
    await until(async () => (await stored(m.id)).status === 'failed');
    await sleep(100);
    expect(listener.count('/unauthorized')).toBe(1);
    expect((await stored(m.id)).lastError).toContain('401');
  });

  describe('other kinds, sent through their channel', () => {
    it('sends what the channel prepares, without the CIBA bearer, and tells it of a final rejection', async () => {
      const rejected: number[] = [];
      const url = listener.on('/gone', status(410));
      const m = await enqueue(url, { kind: 'web_push', bearer: 'subscription-1' });
      await worker(ctx, {
        channels: {
          web_push: {
            prepare: async (message) => ({
              url: message.url,
              headers: { 'content-type': 'application/octet-stream', ttl: '60' },
              body: new Uint8Array([1, 2, 3]),
            }),
            rejected: async (_message, code) => void rejected.push(code),
          },
        },
      }).kick(m.id);
      const hit = listener.hits.find((h) => h.path === '/gone')!;
      expect(hit.authorization).toBeUndefined();
      expect(hit.contentType).toBe('application/octet-stream');
      expect(await stored(m.id)).toMatchObject({ status: 'failed', lastError: 'HTTP 410' });
      expect(rejected).toEqual([410]);
    });

    it('retries a channel’s message after a 503 like any other', async () => {
      const url = listener.on('/hook', status(503), status(204));
      const m = await enqueue(url, { kind: 'owner_webhook', bearer: '' });
      const w = worker(ctx, {
        channels: {
          owner_webhook: {
            prepare: async (message) => ({
              url: message.url,
              headers: { 'content-type': 'application/jwt' },
              body: 'a.b.c',
            }),
          },
        },
      });
      w.start();
      await until(async () => (await stored(m.id)).status === 'delivered');
      expect(listener.count('/hook')).toBe(2);
    });

    it('fails at once a message the channel cannot prepare (or throws preparing), or of a kind no channel sends', async () => {
      const unprepared = await enqueue(listener.on('/never', status(204)), { kind: 'web_push' });
      const orphan = await enqueue(listener.on('/never', status(204)), { kind: 'owner_webhook' });
      const broken = await enqueue(listener.on('/never', status(204)), { kind: 'web_push', bearer: 'broken' });
      const w = worker(ctx, {
        channels: {
          web_push: {
            prepare: async (message) => {
              if (message.bearer === 'broken') throw new Error('Vapid public key must be 65 bytes');
              return { failed: 'push subscription removed' };
            },
          },
        },
      });
      await w.kick(broken.id);
      expect(await stored(broken.id)).toMatchObject({
        status: 'failed',
        lastError: 'cannot prepare web_push message: Vapid public key must be 65 bytes',
      });
      await w.kick(unprepared.id);
      await w.kick(orphan.id);
      expect(await stored(unprepared.id)).toMatchObject({ status: 'failed', lastError: 'push subscription removed' });
      expect(await stored(orphan.id)).toMatchObject({
        status: 'failed',
        lastError: 'no channel delivers owner_webhook messages',
      });
      expect(listener.count('/never')).toBe(0);
    });
  });

  it('does not retry other client errors such as 400', async () => {
    const m = await enqueue(listener.on('/bad', status(400)));
    await worker().kick(m.id);
    expect((await stored(m.id)).status).toBe('failed');
  });

  it('retries 429 and honours Retry-After', async () => {
    const m = await enqueue(listener.on('/busy', status(429, { 'retry-after': '2' }), status(204)));
    const before = ctx.clock.now();
    await worker().kick(m.id);
    const after = await stored(m.id);
    expect(after.status).toBe('pending');
    expect(after.nextAttemptAt - before).toBeGreaterThanOrEqual(2000);
  });

  it('does not follow a redirect and fails the message', async () => {
    listener.on('/target', status(204));
    const m = await enqueue(listener.on('/moved', status(302, { location: `${listener.base}/target` })));
    await worker().kick(m.id);
    expect((await stored(m.id)).status).toBe('failed');
    expect((await stored(m.id)).lastError).toContain('redirect');
    expect(listener.count('/target')).toBe(0);
  });

  it('fails a message whose endpoint answers with an oversized body', async () => {
    const m = await enqueue(listener.on('/huge', (res) => res.writeHead(200).end('z'.repeat(200_000))));
    await worker(ctx, { maxResponseBytes: 1024 }).kick(m.id);
    expect(await stored(m.id)).toMatchObject({ status: 'failed', lastError: 'response too large' });
  });

  it('times out a slow endpoint and schedules a retry', async () => {
    ctx = testContext({ notificationBackoffMs: 20, notificationTimeoutMs: 100 }, { realClock: true });
    const m = await enqueue(listener.on('/slow', (res) => setTimeout(() => res.writeHead(204).end(), 1000).unref()));
    const started = Date.now();
    await worker().kick(m.id);
    expect(Date.now() - started).toBeLessThan(900);
    expect(await stored(m.id)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'timeout' });
  });

  it('refuses plain http to a non-loopback host without sending', async () => {
    const m = await enqueue('http://client.example/cb');
    await worker().kick(m.id);
    expect(await stored(m.id)).toMatchObject({ status: 'failed', lastError: 'notification endpoint must use https' });
  });

  it('refuses plain http to loopback unless development mode allows it', async () => {
    ctx = testContext({ allowLoopbackHttpNotifications: false }, { realClock: true });
    const m = await enqueue(listener.on('/dev', status(204)));
    await worker().kick(m.id);
    expect((await stored(m.id)).status).toBe('failed');
    expect(listener.count('/dev')).toBe(0);
  });

  it('sends a message once when two workers race for it', async () => {
    const m = await enqueue(listener.on('/once', (res) => setTimeout(() => res.writeHead(204).end(), 30)));
    const a = worker();
    const b = worker();
    await Promise.all([a.kick(m.id), b.kick(), a.kick(), b.kick(m.id)]);
    expect(listener.count('/once')).toBe(1);
    expect((await stored(m.id)).status).toBe('delivered');
  });

  it('uses the store lease when there is one and skips messages leased elsewhere', async () => {
    const m = await enqueue(listener.on('/leased', status(204)));
    const leases: string[] = [];
    ctx.stores.outbox.lease = async (id) => {
      leases.push(id);
      return undefined; // another process holds it
    };
    await worker().kick(m.id);
    expect(leases).toEqual([m.id]);
    expect(listener.count('/leased')).toBe(0);
  });

  it('leaves a message alone while another worker holds its lease', async () => {
    const now = ctx.clock.now();
    const m = await enqueue(listener.on('/held', status(204)), { attempts: 1, nextAttemptAt: now + 60_000 });
    await worker().kick();
    await worker().kick(m.id);
    expect(listener.count('/held')).toBe(0);
  });

  it('delivers, after a restart, a message a previous process failed to send', async () => {
    const first = worker();
    const m = await enqueue(listener.on('/restart', status(500), status(204)));
    await first.kick(m.id);
    await first.stop();
    expect((await stored(m.id)).status).toBe('pending');
    // A fresh worker over the same durable store, started without any kick.
    worker().start();
    await until(async () => (await stored(m.id)).status === 'delivered');
    expect(listener.count('/restart')).toBe(2);
  });

  it('sends as soon as the outbox signal fires, without waiting for the timer', async () => {
    const w = worker(ctx, { pollIntervalMs: 60_000 });
    w.start();
    await sleep(20); // let the initial scan finish
    const m = await enqueue(listener.on('/signal', status(204)));
    const started = Date.now();
    ctx.signals.notificationQueued!(m.id);
    await until(async () => (await stored(m.id)).status === 'delivered');
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('sends a message written leased to this worker without taking the lease again', async () => {
    const w = worker(ctx, { pollIntervalMs: 60_000 });
    w.start();
    await sleep(20); // let the initial scan finish
    expect(ctx.signals.deliversNotifications!()).toBe(true);
    const now = ctx.clock.now();
    const m = await enqueue(listener.on('/preleased', status(204)), {
      attempts: 1,
      nextAttemptAt: now + attemptLeaseMs(ctx.settings),
    });
    const leases: string[] = [];
    ctx.stores.outbox.lease = async (id) => {
      leases.push(id);
      return undefined;
    };
    ctx.signals.notificationQueued!(m.id, m);
    await until(async () => (await stored(m.id)).status === 'delivered');
    expect(leases).toEqual([]);
    expect(listener.count('/preleased')).toBe(1);
    expect(await stored(m.id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('retries a leased message whose process stopped before sending once its lease runs out', async () => {
    const now = ctx.clock.now();
    // Written leased by a process that is gone: nobody takes it before the lease ends.
    const m = await enqueue(listener.on('/orphan', status(204)), { attempts: 1, nextAttemptAt: now + 50 });
    await worker().kick();
    expect(listener.count('/orphan')).toBe(0);
    await sleep(60);
    await worker().kick();
    expect(listener.count('/orphan')).toBe(1);
    expect(await stored(m.id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('tells whether a delivery worker of this process listens', async () => {
    expect(ctx.signals.deliversNotifications!()).toBe(false);
    const w = worker(ctx, { pollIntervalMs: 60_000 });
    w.start();
    expect(ctx.signals.deliversNotifications!()).toBe(true);
    await w.stop();
    expect(ctx.signals.deliversNotifications!()).toBe(false);
  });

  /** Counts the worker's scans: each one reads the due messages once. */
  const countScans = (c: TestContext = ctx) => {
    const counter = { scans: 0 };
    const due = c.stores.outbox.due.bind(c.stores.outbox);
    c.stores.outbox.due = (now, limit) => {
      counter.scans++;
      return due(now, limit);
    };
    return counter;
  };

  it('sleeps while nothing is pending, scanning once per idle interval', async () => {
    const counter = countScans();
    worker(ctx, { pollIntervalMs: 10, idleIntervalMs: 200 }).start();
    await sleep(450);
    // At 0, 200 and 400 ms (a 10 ms poll would have scanned about 40 times).
    expect(counter.scans).toBeGreaterThanOrEqual(2);
    expect(counter.scans).toBeLessThanOrEqual(4);
  });

  it('finds a message written by another process within the idle interval', async () => {
    worker(ctx, { pollIntervalMs: 10, idleIntervalMs: 100 }).start();
    await sleep(20); // let the initial scan finish
    // Written straight to the store, with no signal to this worker.
    const m = await enqueue(listener.on('/elsewhere', status(204)));
    await until(async () => (await stored(m.id)).status === 'delivered', 1000);
  });

  it('wakes when the earliest pending message comes due, however long the idle interval', async () => {
    const now = ctx.clock.now();
    // Leased by a process that is gone: due again once the lease runs out.
    const m = await enqueue(listener.on('/lapsed', status(204)), { attempts: 1, nextAttemptAt: now + 150 });
    worker(ctx, { pollIntervalMs: 10, idleIntervalMs: 60_000 }).start();
    await until(async () => (await stored(m.id)).status === 'delivered', 2000);
    expect(listener.hits.find((h) => h.path === '/lapsed')!.at - now).toBeGreaterThanOrEqual(140);
  });

  it('attempts a retry it recorded at the retry time, not after the idle interval', async () => {
    const w = worker(ctx, { pollIntervalMs: 60_000, idleIntervalMs: 60_000 });
    w.start();
    await sleep(20); // let the initial scan finish
    const m = await enqueue(listener.on('/retry-soon', status(503), status(204)));
    ctx.signals.notificationQueued!(m.id);
    // Backoff 10-20 ms: far sooner than either interval.
    await until(async () => (await stored(m.id)).status === 'delivered', 1000);
    expect(listener.count('/retry-soon')).toBe(2);
  });

  it('attempts a retry at its time when the timer fires early by the provider clock', async () => {
    ctx = testContext(
      { notificationBackoffMs: 400, notificationMaxAttempts: 4, notificationTimeoutMs: 1000 },
      { realClock: true },
    );
    const w = worker(ctx, { pollIntervalMs: 60_000, idleIntervalMs: 60_000, jitter: () => 0 });
    w.start();
    await sleep(20); // let the initial scan finish
    const m = await enqueue(listener.on('/retry-early', status(503), status(204)));
    ctx.signals.notificationQueued!(m.id);
    // Backoff 400 ms with no jitter: the retry is recorded due 200 ms after the failure.
    await until(async () => (await stored(m.id)).lastError !== undefined, 1000);
    // The provider clock now runs 150 ms behind the timers' clock: the retry timer fires
    // while, by the provider clock, the message is not yet due.
    ctx.advance(-150);
    await until(async () => (await stored(m.id)).status === 'delivered', 2000);
    expect(listener.count('/retry-early')).toBe(2);
  });

  it('scans no more often than the poll interval while a message stays due', async () => {
    await enqueue(listener.on('/stuck', status(204)));
    // Due, but every lease is lost to another process that never moves it on.
    ctx.stores.outbox.lease = async () => undefined;
    const counter = countScans();
    worker(ctx, { pollIntervalMs: 100, idleIntervalMs: 1000 }).start();
    await sleep(350);
    // At 0, 100, 200 and 300 ms, plus or minus timer slack.
    expect(counter.scans).toBeGreaterThanOrEqual(2);
    expect(counter.scans).toBeLessThanOrEqual(5);
    expect(listener.count('/stuck')).toBe(0);
  });

  it('waits for in-flight sends when stopped', async () => {
    const m = await enqueue(listener.on('/inflight', (res) => setTimeout(() => res.writeHead(204).end(), 100)));
    const w = worker();
    void w.kick(m.id);
    await sleep(20);
    await w.stop();
    expect((await stored(m.id)).status).toBe('delivered');
  });

  it('grows the backoff exponentially with jitter up to the cap', () => {
    const low = new NotificationDelivery(ctx, { jitter: () => 0, maxBackoffMs: 100 });
    const high = new NotificationDelivery(ctx, { jitter: () => 0.999999, maxBackoffMs: 100 });
    expect([1, 2, 3, 4].map((a) => low.backoffMs(a))).toEqual([10, 20, 40, 50]);
    expect([1, 2, 3, 4].map((a) => high.backoffMs(a))).toEqual([20, 40, 80, 100]);
  });
});
