import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, parseRetryAfter, toApiError } from './api-error';
import { createApi } from './client';
import { describeError } from './describe-error';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('the API client against a real HTTP server', () => {
  let server: Server;
  let origin: string;
  let handler: Handler;
  const seen: Array<{ method?: string; url?: string; type?: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body });
        handler(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (seen.length = 0));

  const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
    handler = (_req, _body, res) => {
      res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    };
  };

  it('sends JSON with content-type on every state-changing call, {} when there is nothing to say', async () => {
    answer(204);
    const api = createApi({ origin });
    await api.signOut();
    await api.unpairVehicle('head unit/1');
    expect(seen).toEqual([
      { method: 'DELETE', url: '/owner-device/v1/session', type: 'application/json', body: '{}' },
      { method: 'POST', url: '/owner-device/v1/vehicles/head%20unit%2F1/unpair', type: 'application/json', body: '{}' },
    ]);
  });

  it('sends the deny reason only for "this wasn’t me"', async () => {
    answer(200, { id: 'r1', status: 'denied' });
    const api = createApi({ origin });
    await api.deny('r1');
    await api.deny('r1', true);
    expect(seen.map((s) => s.body)).toEqual(['{}', '{"reason":"not_me"}']);
  });

  it('passes paging parameters of the lists', async () => {
    answer(200, { requests: [], next_cursor: 'c2' });
    const page = await createApi({ origin }).history(20, 'c1');
    expect(seen[0].url).toBe('/owner-device/v1/history?limit=20&cursor=c1');
    expect(page.next_cursor).toBe('c2');
  });

  it('maps a 401 to signed_out and tells the app to show sign-in', async () => {
    answer(401, { error: 'login_required', error_description: 'no session' });
    const onSignedOut = jest.fn();
    const error = await createApi({ origin, onSignedOut })
      .requests()
      .catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: 'signed_out', status: 401, code: 'login_required' });
    expect(onSignedOut).toHaveBeenCalledTimes(1);
    expect(describeError(error)).toEqual({ key: 'error.signed_out' });
  });

  it('maps a 429 with Retry-After to a wait in seconds', async () => {
    answer(429, { error: 'slow_down', error_description: 'too many' }, { 'retry-after': '7' });
    const error = await createApi({ origin })
      .signInOptions()
      .catch((e) => e);
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfter: 7 });
    expect(describeError(error)).toEqual({ key: 'error.rate_limited', params: { seconds: 7 } });
  });

  it('maps an invalid invitation (400) and keeps the provider’s description', async () => {
    answer(400, { error: 'invalid_request', error_description: 'the invitation is expired or already used' });
    const error = await createApi({ origin })
      .enrolmentOptions('t')
      .catch((e) => e);
    expect(error).toMatchObject({ kind: 'invalid', description: 'the invitation is expired or already used' });
    expect(JSON.parse(seen[0].body)).toEqual({ invitation: 't' });
  });

  it('maps a 5xx, or a body that is not JSON, to a server error', async () => {
    answer(502, '<html>bad gateway</html>');
    await expect(createApi({ origin }).devices()).rejects.toMatchObject({ kind: 'server', status: 502 });
    answer(200, 'not json');
    await expect(createApi({ origin }).devices()).rejects.toMatchObject({ kind: 'server', status: 200 });
  });

  it('maps a refused connection to offline', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await createApi({ origin: `http://127.0.0.1:${port}` })
      .session()
      .catch((e) => e);
    expect(error).toMatchObject({ kind: 'offline', status: 0 });
    expect(describeError(error)).toEqual({ key: 'error.offline' });
  });
});

describe('error mapping', () => {
  it('maps each status to what the owner can do', () => {
    const kinds = [400, 401, 403, 404, 409, 410, 429, 500, 503, 418].map((s) => toApiError(s, {}, null).kind);
    expect(kinds).toEqual([
      'invalid',
      'signed_out',
      'forbidden',
      'not_found',
      'conflict',
      'not_found',
      'rate_limited',
      'server',
      'server',
      'invalid',
    ]);
  });

  it('treats slow_down and invalid_token by their code, whatever the status', () => {
    expect(toApiError(400, { error: 'slow_down' }, '3').kind).toBe('rate_limited');
    expect(toApiError(400, { error: 'invalid_token' }, null).kind).toBe('signed_out');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(new Date(10_000 + 30_000).toUTCString(), 10_000)).toBe(30);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(describeError(toApiError(429, {}, null))).toEqual({ key: 'error.rate_limited_unknown' });
  });

  it('explains WebAuthn failures by their DOMException name or library code', () => {
    const named = (name: string, code?: string) => Object.assign(new Error('x'), { name, code });
    expect(describeError(named('NotAllowedError'))).toEqual({ key: 'error.passkey_cancelled' });
    expect(describeError(named('InvalidStateError', 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED'))).toEqual({
      key: 'error.passkey_exists',
    });
    expect(describeError(named('SecurityError', 'ERROR_INVALID_RP_ID'))).toEqual({ key: 'error.passkey_insecure' });
    expect(describeError(new Error('WebAuthn is not supported in this browser'))).toEqual({
      key: 'error.passkey_unsupported',
    });
    expect(describeError(named('UnknownError', 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY'))).toEqual({
      key: 'error.passkey_failed',
    });
    expect(describeError('???')).toEqual({ key: 'error.server' });
  });
});
