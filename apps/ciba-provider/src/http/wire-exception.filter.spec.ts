import { HttpException, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { InvalidGrant } from '@onboard/ciba-core';
import type { Logger } from '@onboard/platform';
import { WireExceptionFilter } from './wire-exception.filter';

/** A response double recording what the filter writes (the parts sendWireResponse uses). */
function fakeResponse() {
  const headers: Record<string, string> = {};
  const res = {
    headersSent: false,
    statusCode: 200,
    body: undefined as string | undefined,
    destroyed: false,
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value),
    hasHeader: (name: string) => name.toLowerCase() in headers,
    end: (body?: string) => void (res.body = body),
    destroy: () => void (res.destroyed = true),
    headers,
  };
  return res;
}

function run(exception: unknown) {
  const logged: { msg: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (msg, fields) => void logged.push({ msg, fields }),
  };
  const res = fakeResponse();
  const host = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({}) }) } as unknown as ArgumentsHost;
  new WireExceptionFilter(logger).catch(exception, host);
  return { res, logged, body: res.body ? (JSON.parse(res.body) as Record<string, string>) : undefined };
}

describe('WireExceptionFilter', () => {
  it('renders an OAuth error with its status and RFC 6749 body', () => {
    const { res, body } = run(new InvalidGrant('unknown auth_req_id'));
    expect(res.statusCode).toBe(400);
    expect(body).toEqual({ error: 'invalid_grant', error_description: 'unknown auth_req_id' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('renders an unexpected error as server_error with a logged id and no details', () => {
    const { res, body, logged } = run(new TypeError('secret internals'));
    expect(res.statusCode).toBe(500);
    expect(body?.error).toBe('server_error');
    expect(JSON.stringify(body)).not.toContain('secret internals');
    const id = /id ([0-9a-f-]{36})/.exec(body?.error_description ?? '')?.[1];
    expect(id).toBeDefined();
    expect(logged[0].fields?.errorId).toBe(id);
  });

  it('turns Nest exceptions into the JSON error body, never Nest default one', () => {
    const notFound = run(new NotFoundException());
    expect(notFound.res.statusCode).toBe(404);
    expect(notFound.body).toEqual({ error: 'not_found', error_description: 'no such endpoint' });
    const badRequest = run(new HttpException('nope', 422));
    expect(badRequest.res.statusCode).toBe(400);
    expect(badRequest.body?.error).toBe('invalid_request');
    expect(badRequest.body).not.toHaveProperty('statusCode');
    const serverSide = run(new HttpException('down', 503));
    expect(serverSide.res.statusCode).toBe(500);
    expect(serverSide.body?.error).toBe('server_error');
  });

  it('closes the connection when the response had already started', () => {
    const res = fakeResponse();
    res.headersSent = true;
    const host = { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
    new WireExceptionFilter({ debug() {}, info() {}, warn() {}, error() {} }).catch(new Error('late'), host);
    expect(res.destroyed).toBe(true);
  });
});
