/**
 * The small web server of an example: its static page, a JSON endpoint that starts a
 * verification, and a Server-Sent Events stream of verification changes for the page. It
 * talks to the provider only through {@link VerificationDesk} (openid-client).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { StartVerification, Verification, VerificationDesk } from './verifications';

/** A mistake in what the page sent: answered 400 with its description. */
export class BadInput extends Error {}

export interface DeskServerOptions {
  /** Directory with index.html, app.js and style.css. */
  publicDir: string;
  desk: VerificationDesk;
  /** Turns the page's JSON into a verification to start; throws {@link BadInput} on bad input. */
  toVerification(body: Record<string, unknown>): StartVerification;
  /** Extra JSON the page reads at `GET /api/config` (its title, choices…). */
  pageConfig?: Record<string, unknown>;
  port: number;
  host: string;
}

export interface RunningDesk {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const FILES: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/desk.js': ['../../shared/public/desk.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['../../shared/public/style.css', 'text/css; charset=utf-8'],
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function startDeskServer(options: DeskServerOptions): Promise<RunningDesk> {
  const streams = new Set<ServerResponse>();
  const unsubscribe = options.desk.subscribe((v) => {
    for (const res of streams) res.write(`event: verification\ndata: ${JSON.stringify(v)}\n\n`);
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      const status = error instanceof BadInput ? 400 : error instanceof oidc.ResponseBodyError ? 422 : 500;
      const body =
        error instanceof BadInput
          ? { error: 'invalid_request', error_description: error.message }
          : error instanceof oidc.ResponseBodyError
            ? { error: error.error, error_description: error.error_description ?? 'the provider refused the request' }
            : { error: 'server_error', error_description: 'the provider could not be reached' };
      if (status === 500) console.error(error);
      if (!res.headersSent) json(res, status, body);
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = FILES[path];
    if (req.method === 'GET' && file) {
      res.writeHead(200, { 'content-type': file[1], ...SECURITY_HEADERS });
      res.end(readFileSync(join(options.publicDir, file[0])));
      return;
    }
    if (req.method === 'GET' && path === '/api/config') return json(res, 200, options.pageConfig ?? {});
    if (req.method === 'GET' && path === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', ...SECURITY_HEADERS });
      res.write(': connected\n\n');
      for (const v of options.desk.list()) res.write(`event: verification\ndata: ${JSON.stringify(v)}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (req.method === 'POST' && path === '/api/verifications') {
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        throw new BadInput('send the form as application/json');
      }
      const body = await readJson(req);
      const verification: Verification = await options.desk.start(options.toVerification(body));
      return json(res, 201, verification);
    }
    const match = /^\/api\/verifications\/([0-9a-f-]{36})$/.exec(path);
    if (req.method === 'GET' && match) {
      const verification = options.desk.get(match[1]);
      return verification ? json(res, 200, verification) : json(res, 404, { error: 'not_found' });
    }
    json(res, 404, { error: 'not_found' });
  }

  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  const host = options.host === '127.0.0.1' || options.host === '0.0.0.0' ? 'localhost' : options.host;
  return {
    url: `http://${host}:${port}/`,
    server,
    close: async () => {
      unsubscribe();
      options.desk.close();
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 16_384) throw new BadInput('the form is too large');
  }
  try {
    const value = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // answered below
  }
  throw new BadInput('the body must be a JSON object');
}

/** A trimmed, non-empty string field of the page's form, at most `max` characters. */
export function field(body: Record<string, unknown>, name: string, max = 200): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '') throw new BadInput(`${name} is required`);
  if (value.length > max) throw new BadInput(`${name} is longer than ${max} characters`);
  return value.trim();
}

/** Closes the server (its live streams and polls too) on Ctrl-C or SIGTERM, then exits. */
export function stopOnSignals(running: RunningDesk): void {
  const stop = () => void running.close().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
