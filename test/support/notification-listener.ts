import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One callback received from the provider (CIBA §10.2 ping / §10.3 push). */
export interface ReceivedNotification {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  authorization?: string;
  contentType?: string;
  text: string;
  /** The body's bytes (an encrypted Web Push message is not text). */
  raw: Buffer;
  json: any;
  at: number;
}

/** What the listener answers; a function may vary it per call. */
export interface ListenerReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only after this many ms (a slow client endpoint). */
  delayMs?: number;
}

/**
 * A real client notification endpoint on 127.0.0.1: records every callback with
 * its Authorization header and answers 204 unless told otherwise. Each path can
 * be scripted with a queue of replies (e.g. 500 then 204).
 */
export class NotificationListener {
  readonly received: ReceivedNotification[] = [];
  private server?: http.Server;
  private port = 0;
  private readonly scripted = new Map<string, ListenerReply[]>();
  private readonly defaults = new Map<string, ListenerReply>();
  private waiters: (() => void)[] = [];

  /** Start on a free port (or `port`, to come back on the same address after a restart). */
  async start(port = 0): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const path = req.url ?? '/';
        this.received.push({
          method: req.method ?? '',
          path,
          headers: req.headers,
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          text,
          raw,
          json,
          at: Date.now(),
        });
        const reply = this.scripted.get(path)?.shift() ?? this.defaults.get(path) ?? { status: 204 };
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status, reply.headers ?? {});
          res.end(reply.body);
        };
        if (reply.delayMs) setTimeout(answer, reply.delayMs).unref();
        else answer();
        const waiters = this.waiters;
        this.waiters = [];
        waiters.forEach((w) => w());
      });
    });
    server.keepAliveTimeout = 500;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** `http://127.0.0.1:<port><path>` */
  url(path = '/cb'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  get listeningPort(): number {
    return this.port;
  }

  /** Answer the next calls on `path` with these replies, in order. */
  script(path: string, ...replies: ListenerReply[]): void {
    this.scripted.set(path, [...(this.scripted.get(path) ?? []), ...replies]);
  }

  /** Answer every call on `path` (after scripted replies) with `reply`. */
  setDefault(path: string, reply: ListenerReply): void {
    this.defaults.set(path, reply);
  }

  on(path: string): ReceivedNotification[] {
    return this.received.filter((n) => n.path === path);
  }

  /** Wait until `count` callbacks on `path` have arrived. */
  async waitFor(path: string, count = 1, timeoutMs = 5000): Promise<ReceivedNotification[]> {
    const end = Date.now() + timeoutMs;
    while (this.on(path).length < count) {
      const left = end - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${count} notification(s) on ${path}, got ${this.on(path).length} in ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.on(path);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
