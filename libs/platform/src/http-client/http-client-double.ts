import type { OutboundGuard } from '../outbound/outbound-guard';
import {
  RequestTimeoutError,
  ResponseTooLargeError,
  type HttpClient,
  type OutboundRequest,
  type OutboundResponse,
} from './http-client.port';

/** How the double answers one URL: a response (status defaults to 200, headers to none, body to ''), or a throw. */
export type HttpDoubleAnswer = (
  request: OutboundRequest,
) => Partial<OutboundResponse> | Promise<Partial<OutboundResponse>>;

/** The in-memory {@link HttpClient} of {@link createHttpClientDouble}. */
export interface HttpClientDouble extends HttpClient {
  /** Answers by exact URL. A URL without one fails as a refused connection would (`ECONNREFUSED`). */
  readonly routes: Map<string, HttpDoubleAnswer>;
  /** Every request sent, in order (also the refused ones). */
  readonly calls: OutboundRequest[];
}

/**
 * A test double of the {@link HttpClient} port that keeps its contract without a network:
 * answers come from `routes` by URL, header names come back lower-case, a body over
 * `maxResponseBytes` throws {@link ResponseTooLargeError}, an answer slower than `timeoutMs`
 * throws {@link RequestTimeoutError}, and with a `guard` a refused literal host throws
 * OutboundTargetRefused before the call is answered. For unit specs; feature tests use the
 * real client against a real local listener.
 *
 * @example
 * const http = createHttpClientDouble();
 * http.routes.set('https://rp.example/cb', () => ({ status: 204 }));
 * await http.send({ url: 'https://rp.example/cb', method: 'POST', headers: {}, timeoutMs: 1000, maxResponseBytes: 1024 });
 * http.calls.length; // 1
 */
export function createHttpClientDouble(options: { guard?: OutboundGuard } = {}): HttpClientDouble {
  const routes = new Map<string, HttpDoubleAnswer>();
  const calls: OutboundRequest[] = [];
  return {
    routes,
    calls,
    async send(request) {
      calls.push(request);
      options.guard?.assertHost(new URL(request.url).hostname);
      const answer = routes.get(request.url);
      if (!answer) {
        throw Object.assign(new Error(`connect ECONNREFUSED (no route for ${request.url})`), { code: 'ECONNREFUSED' });
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new RequestTimeoutError(request.timeoutMs)), request.timeoutMs);
      });
      try {
        const answered = await Promise.race([Promise.resolve().then(() => answer(request)), timeout]);
        const body = answered.body ?? '';
        if (Buffer.byteLength(body) > request.maxResponseBytes)
          throw new ResponseTooLargeError(request.maxResponseBytes);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(answered.headers ?? {})) headers[name.toLowerCase()] = value;
        return { status: answered.status ?? 200, headers, body };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
