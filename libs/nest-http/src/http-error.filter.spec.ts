import 'reflect-metadata';
import { Controller, Get, Module, Post, Put, Req, Res } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, securityHeaders, type Logger } from '@onboard/platform';
import { declaredRoutes } from './controller-routes';
import { createFastifyAdapter } from './fastify-adapter';
import { HttpErrorFilter, type FrameworkErrors } from './http-error.filter';
import { installRequestHooks, type AnsweredRequest } from './request-hooks';
import { RouteMethods } from './route-methods';
import { sendWire, toWireRequest } from './wire';

class Refused extends ApiError {
  constructor(
    readonly code: string,
    override readonly status: number,
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(description);
    this.headers = headers;
  }
}

const ERRORS: FrameworkErrors = {
  notFound: () => new Refused('not_found', 404, 'no such endpoint'),
  methodNotAllowed: (allow) => new Refused('invalid_request', 405, 'wrong method', { allow: allow.join(', ') }),
  payloadTooLarge: () => new Refused('invalid_request', 413, 'too large'),
  badRequest: () => new Refused('invalid_request', 400, 'malformed'),
};

@Controller('things')
class ThingsController {
  @Get(':id')
  get(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, {
      status: 200,
      headers: { 'cache-control': 'max-age=60' },
      body: { id: (req.params as { id: string }).id },
    });
  }

  @Post('echo')
  echo(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const wire = toWireRequest(req, 'https://api.example');
    sendWire(reply, {
      status: 200,
      headers: {},
      body: { url: wire.url, body: wire.rawBody?.toString('utf8') ?? null, auth: wire.headers.authorization ?? null },
    });
  }

  @Put('refused')
  refused(): never {
    throw new Refused('access_denied', 403, 'not yours', { 'retry-after': '5' });
  }

  @Get('broken/now')
  broken(): never {
    throw new Error('database password is hunter2');
  }
}

@Module({})
class TestModule {}

describe('the Nest HTTP glue on Fastify (real HTTP)', () => {
  let app: NestFastifyApplication;
  let url: string;
  const logged: { msg: string; fields?: Record<string, unknown> }[] = [];
  const answered: AnsweredRequest[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (msg, fields) => void logged.push({ msg, fields }),
  };

  beforeAll(async () => {
    const adapter = createFastifyAdapter({
      bodyLimit: 1024,
      headers: securityHeaders({ https: true }),
      errors: ERRORS,
      logger,
    });
    const fastify = adapter.getInstance() as unknown as FastifyInstance;
    const routes = RouteMethods.track(fastify);
    app = await NestFactory.create<NestFastifyApplication>(
      {
        module: TestModule,
        controllers: [ThingsController],
        providers: [{ provide: APP_FILTER, useValue: new HttpErrorFilter({ logger, errors: ERRORS, routes }) }],
      },
      adapter,
      { bodyParser: false, logger: false },
    );
    installRequestHooks(fastify, { answered: (request) => void answered.push(request) });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app?.close());

  it('lists the routes the controllers declare', () => {
    expect(declaredRoutes([ThingsController])).toEqual([
      { method: 'GET', path: '/things/:id' },
      { method: 'POST', path: '/things/echo' },
      { method: 'PUT', path: '/things/refused' },
      { method: 'GET', path: '/things/broken/now' },
    ]);
  });

  it('hands the exact body bytes and duplicated headers to the handler, whatever the content type', async () => {
    const res = await fetch(`${url}/things/echo?x=1`, {
      method: 'POST',
      headers: [
        ['content-type', 'application/json'],
        ['authorization', 'Bearer a'],
        ['authorization', 'Bearer b'],
      ],
      body: '{"a":1,"a":2}',
    });
    expect(await res.json()).toEqual({
      url: 'https://api.example/things/echo?x=1',
      body: '{"a":1,"a":2}',
      auth: 'Bearer a, Bearer b',
    });
  });

  it('renders an ApiError with its status, code, description and headers, never cached', async () => {
    const res = await fetch(`${url}/things/refused`, { method: 'PUT' });
    expect(res.status).toBe(403);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'access_denied', error_description: 'not yours' });
  });

  it('renders anything unexpected as server_error with a logged id and no details', async () => {
    const res = await fetch(`${url}/things/broken/now`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('server_error');
    expect(JSON.stringify(body)).not.toContain('hunter2');
    const id = body.error_description.split(' ').at(-1);
    expect(logged.some((line) => line.fields?.errorId === id)).toBe(true);
  });

  it("answers the router's refusals in the app's words: 404, 405 with Allow, 413, 400", async () => {
    const missing = await fetch(`${url}/nothing`);
    expect([missing.status, await missing.json()]).toEqual([
      404,
      { error: 'not_found', error_description: 'no such endpoint' },
    ]);
    const wrong = await fetch(`${url}/things/42`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    const large = await fetch(`${url}/things/echo`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(large.status).toBe(413);
    const malformed = await fetch(`${url}/things/%E0%A4%A`);
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it("sets the security headers on every response, a route's own cache-control winning", async () => {
    const res = await fetch(`${url}/things/42`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('max-age=60');
    expect((await fetch(`${url}/nothing`)).headers.get('x-frame-options')).toBe('DENY');
  });

  it('reports each answered request once, by route template, without the query', async () => {
    answered.length = 0;
    await fetch(`${url}/things/abc?token=secret`);
    await fetch(`${url}/nowhere`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toEqual([
      expect.objectContaining({
        route: '/things/:id',
        method: 'GET',
        path: '/things/abc',
        status: 200,
        aborted: false,
      }),
      expect.objectContaining({ route: 'unmatched', method: 'GET', path: '/nowhere', status: 404 }),
    ]);
    expect(answered[0].seconds).toBeGreaterThan(0);
  });
});
