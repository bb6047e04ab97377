import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { boundedMemo } from '../cache/bounded-memo';
import type { OutboundGuard } from '../outbound/outbound-guard';
import {
  RequestTimeoutError,
  ResponseTooLargeError,
  type HttpClient,
  type OutboundRequest,
  type OutboundResponse,
} from './http-client.port';

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /**
   * Refuse targets the deployment does not allow (private, loopback, metadata…): a literal
   * address before connecting, a name on every address it resolves to (the guard's `lookup`
   * runs in undici's connector). Absent: no check.
   */
  guard?: OutboundGuard;
  /**
   * Extra trusted CA certificates for https (PEM), besides Node's store. Deployments use
   * `NODE_EXTRA_CA_CERTS` instead, which Node adds to the store itself; this is for tests.
   */
  ca?: string | Buffer | Array<string | Buffer>;
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * One request as undici dispatch handler callbacks: the response head and body are collected
 * here (no stream, no promise per chunk); the body is bounded and the whole exchange timed.
 */
function exchange(dispatcher: Dispatcher, url: URL, request: OutboundRequest): Promise<OutboundResponse> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let failure: Error | undefined;
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let total = 0;
    const fail = (error: Error) => {
      if (failure) return;
      failure = error;
      clearTimeout(timer);
      if (controller && !controller.aborted) controller.abort(error);
      reject(error);
    };
    const timer = setTimeout(() => fail(new RequestTimeoutError(request.timeoutMs)), request.timeoutMs);
    // The socket keeps the process alive while the request is out; the timer alone does not.
    timer.unref();
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: request.method,
          headers: request.headers,
          body: request.body,
        },
        {
          onRequestStart(started) {
            controller = started;
            // Timed out while waiting for a connection: give the connection up now.
            if (failure) started.abort(failure);
          },
          onResponseStart(_controller, statusCode, responseHeaders) {
            status = statusCode;
            headers = flatHeaders(responseHeaders as Record<string, string | string[] | undefined>);
            const declared = Number(headers['content-length']);
            if (Number.isFinite(declared) && declared > request.maxResponseBytes) {
              fail(new ResponseTooLargeError(request.maxResponseBytes));
            }
          },
          onResponseData(_controller, chunk) {
            if (failure) return;
            total += chunk.length;
            // Stop reading: the peer may stream without end (ping endpoint hardening, Abblix#166).
            if (total > request.maxResponseBytes) fail(new ResponseTooLargeError(request.maxResponseBytes));
            else chunks.push(chunk);
          },
          onResponseEnd() {
            if (failure) return;
            clearTimeout(timer);
            resolve({ status, headers, body: Buffer.concat(chunks, total).toString('utf8') });
          },
          onResponseError(_controller, error) {
            fail(error);
          },
        },
      );
    } catch (error) {
      // Refused before anything was sent (an invalid header, say).
      fail(error as Error);
    }
  });
}

/**
 * The production {@link HttpClient}, over undici's `Agent` (its `dispatch`: a keep-alive
 * connection pool per origin: a ping to a client's notification endpoint reuses the
 * connection of the previous one). Redirects are never followed (a 3xx comes back as is);
 * one timeout covers connect, head and body; the body is read up to `maxResponseBytes` and
 * the connection dropped beyond it; header names come back lower-case; network failures
 * and timeouts throw. https verifies certificates against Node's store (`NODE_EXTRA_CA_CERTS`
 * adds a private CA). With a `guard`, a refused target throws OutboundTargetRefused before
 * any byte is sent: a literal address is checked up front, a name at the connect step on
 * every address it resolves to (DNS rebinding cannot slip past).
 *
 * @example
 * const http = createHttpClient({ guard: createOutboundGuard({ allowLoopback: false, allowCidrs: [] }) });
 * const res = await http.send({ url, method: 'POST', headers, body, timeoutMs: 5000, maxResponseBytes: 16384 });
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const guard = options.guard;
  const extraCa = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  const dispatcher = new Agent({
    connect: {
      ...(guard ? { lookup: guard.lookup } : {}),
      ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}),
    },
  });
  // Notification endpoints repeat: each URL is parsed and checked once (the results are only read).
  const target = boundedMemo((raw: string) => {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`unsupported protocol ${url.protocol}`);
    }
    // Credentials in a URL would be sent in clear on every request; callers use headers.
    if (url.username !== '' || url.password !== '') throw new TypeError('credentials in the URL are not sent');
    return url;
  });
  return {
    async send(request: OutboundRequest): Promise<OutboundResponse> {
      const url = target(request.url);
      guard?.assertHost(url.hostname);
      return exchange(dispatcher, url, request);
    },
  };
}
