import { Agent, fetch } from 'undici';
import type { HttpClient, OutboundRequest, OutboundResponse } from '../ports/http-client.port';
import type { OutboundGuard } from './outbound-guard';

/** The response body exceeded `maxResponseBytes`; the read was aborted. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body exceeds ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** The request did not complete within `timeoutMs` (connect, headers and body together). */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** Options of {@link createFetchHttpClient}. */
export interface FetchHttpClientOptions {
  /**
   * Refuse targets the deployment does not allow (private, loopback, metadata…): a literal
   * address before connecting, a name on every address it resolves to. Absent: no check.
   */
  guard?: OutboundGuard;
}

async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      // Stop reading: the peer may stream without end (ping endpoint hardening, Abblix#166).
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The HttpClient over undici's fetch, with a connection pool of its own. Redirects are never followed:
 * a 3xx comes back as is (the CIBA conformance tests fail an OP that follows a redirect
 * from the client notification endpoint). One timeout covers connect, headers and body;
 * the body is read up to `maxResponseBytes` and the read is aborted beyond it. Header
 * names in the result are lower-case. Network failures and timeouts throw. With a
 * `guard`, a target it refuses throws OutboundTargetRefused before any byte is sent.
 *
 * @example
 * const http = createFetchHttpClient();
 * const res = await http.send({ url, method: 'POST', headers, body, timeoutMs: 5000, maxResponseBytes: 16384 });
 */
export function createFetchHttpClient(options: FetchHttpClientOptions = {}): HttpClient {
  const guard = options.guard;
  // undici's connector hands `lookup` to net.connect / tls.connect (a literal address skips it).
  const dispatcher = new Agent(guard ? { connect: { lookup: guard.lookup } } : {});
  return {
    async send(request: OutboundRequest): Promise<OutboundResponse> {
      if (guard) guard.assertHost(new URL(request.url).hostname);
      const signal = AbortSignal.timeout(request.timeoutMs);
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          redirect: 'manual',
          signal,
          dispatcher,
        });
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          headers[name.toLowerCase()] = value;
        });
        const declared = Number(headers['content-length']);
        if (Number.isFinite(declared) && declared > request.maxResponseBytes) {
          await response.body?.cancel().catch(() => undefined);
          throw new ResponseTooLargeError(request.maxResponseBytes);
        }
        const body = await readBounded(response.body, request.maxResponseBytes);
        return { status: response.status, headers, body };
      } catch (error) {
        if (signal.aborted) throw new RequestTimeoutError(request.timeoutMs);
        // fetch reports every network failure as "fetch failed"; its cause says which one.
        const cause = (error as { cause?: unknown }).cause;
        if (error instanceof TypeError && cause instanceof Error) throw cause;
        throw error;
      }
    },
  };
}
