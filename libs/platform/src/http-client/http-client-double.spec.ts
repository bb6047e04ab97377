import { OutboundTargetRefused, createOutboundGuard } from '../outbound/outbound-guard';
import { createHttpClientDouble } from './http-client-double';
import { RequestTimeoutError, ResponseTooLargeError, type OutboundRequest } from './http-client.port';

const request = (url: string, extra: Partial<OutboundRequest> = {}): OutboundRequest => ({
  url,
  method: 'POST',
  headers: { authorization: 'Bearer t' },
  body: '{}',
  timeoutMs: 200,
  maxResponseBytes: 64,
  ...extra,
});

// The double keeps the port's contract (http-client.contract.spec.ts holds it for the real client).
describe('createHttpClientDouble', () => {
  it('answers a routed URL, records the request and lower-cases header names', async () => {
    const http = createHttpClientDouble();
    http.routes.set('https://rp.example/cb', () => ({ status: 204, headers: { 'X-Mixed': 'yes' } }));
    const res = await http.send(request('https://rp.example/cb'));
    expect(res).toEqual({ status: 204, headers: { 'x-mixed': 'yes' }, body: '' });
    expect(http.calls).toEqual([request('https://rp.example/cb')]);
  });

  it('returns a redirect as is', async () => {
    const http = createHttpClientDouble();
    http.routes.set('https://rp.example/cb', () => ({ status: 302, headers: { location: 'https://elsewhere/' } }));
    expect((await http.send(request('https://rp.example/cb'))).status).toBe(302);
    expect(http.calls).toHaveLength(1);
  });

  it('fails an unrouted URL as a refused connection', async () => {
    const http = createHttpClientDouble();
    await expect(http.send(request('https://nobody.example/'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('throws ResponseTooLargeError for a body over the limit', async () => {
    const http = createHttpClientDouble();
    http.routes.set('https://rp.example/big', () => ({ body: 'x'.repeat(65) }));
    await expect(http.send(request('https://rp.example/big'))).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  it('throws RequestTimeoutError for an answer slower than the timeout', async () => {
    const http = createHttpClientDouble();
    http.routes.set('https://rp.example/slow', () => new Promise((resolve) => setTimeout(() => resolve({}), 1000)));
    await expect(http.send(request('https://rp.example/slow', { timeoutMs: 20 }))).rejects.toBeInstanceOf(
      RequestTimeoutError,
    );
  });

  it('refuses a literal host its guard refuses before answering', async () => {
    const http = createHttpClientDouble({ guard: createOutboundGuard({ allowLoopback: false, allowCidrs: [] }) });
    let answered = false;
    http.routes.set('http://10.0.0.1/cb', () => ((answered = true), {}));
    await expect(http.send(request('http://10.0.0.1/cb'))).rejects.toBeInstanceOf(OutboundTargetRefused);
    expect(answered).toBe(false);
  });
});
