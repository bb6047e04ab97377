import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { HttpClient, OutboundRequest, OutboundResponse } from '../ports/http-client.port';
import { boundedMemo } from './bounded-memo';
import { RequestTimeoutError, ResponseTooLargeError } from './fetch-http-client';
import type { OutboundGuard } from './outbound-guard';

/** Options of {@link createNodeHttpClient}. */
export interface NodeHttpClientOptions {
  /** Idle keep-alive sockets kept per origin (default 256, Node's default). */
  maxFreeSockets?: number;
  /**
   * Refuse targets the deployment does not allow (private, loopback, metadata…): a literal
   * address before connecting, a name on every address it resolves to. Absent: no check.
   */
  guard?: OutboundGuard;
}

function collectHeaders(res: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * The production HttpClient over node:http / node:https with keep-alive agents: a ping
 * to a client's notification endpoint reuses the connection of the previous one.
 * Same contract as {@link createFetchHttpClient}: redirects are never followed (a 3xx
 * comes back as is; CIBA conformance fails an OP that follows one from the
 * notification endpoint), one timeout covers connect, headers and body, the body is
 * read up to `maxResponseBytes` and the connection dropped beyond it, header names are
 * lower-case, network failures and timeouts throw. With a `guard`, a target it refuses
 * throws OutboundTargetRefused before any byte is sent.
 *
 * Measured with `npm run bench:provider`: undici's fetch (WHATWG streams, AbortSignal,
 * Headers objects) cost several times more CPU per ping than a plain request.
 *
 * @example
 * const http = createNodeHttpClient();
 * const res = await http.send({ url, method: 'POST', headers, body, timeoutMs: 5000, maxResponseBytes: 16384 });
 */
export function createNodeHttpClient(options: NodeHttpClientOptions = {}): HttpClient {
  // Notification endpoints repeat: each is parsed once (the URLs are only read).
  const parsed = boundedMemo((raw: string) => new URL(raw));
  const guard = options.guard;
  // The agents hand `lookup` to net.connect for every new socket (a literal address skips it).
  const agentOptions = {
    keepAlive: true,
    maxFreeSockets: options.maxFreeSockets ?? 256,
    ...(guard ? { lookup: guard.lookup } : {}),
  };
  const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  return {
    send(request: OutboundRequest): Promise<OutboundResponse> {
      return new Promise<OutboundResponse>((resolve, reject) => {
        let url: URL;
        try {
          url = parsed(request.url);
          guard?.assertHost(url.hostname);
        } catch (error) {
          reject(error as Error);
          return;
        }
        const secure = url.protocol === 'https:';
        if (!secure && url.protocol !== 'http:') {
          reject(new TypeError(`unsupported protocol ${url.protocol}`));
          return;
        }
        let settled = false;
        const finish = (error: Error | undefined, response?: OutboundResponse) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(response as OutboundResponse);
        };
        const headers: Record<string, string | number> = { ...request.headers };
        if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
        const req = (secure ? httpsRequest : httpRequest)(
          url,
          { method: request.method, headers, agent: secure ? agents.https : agents.http },
          (res) => {
            const responseHeaders = collectHeaders(res);
            const declared = Number(responseHeaders['content-length']);
            if (Number.isFinite(declared) && declared > request.maxResponseBytes) {
              finish(new ResponseTooLargeError(request.maxResponseBytes));
              res.destroy();
              return;
            }
            const chunks: Buffer[] = [];
            let total = 0;
            res.on('data', (chunk: Buffer) => {
              total += chunk.length;
              if (total > request.maxResponseBytes) {
                // Stop reading: the peer may stream without end (ping endpoint hardening, Abblix#166).
                finish(new ResponseTooLargeError(request.maxResponseBytes));
                res.destroy();
                return;
              }
              chunks.push(chunk);
            });
            res.on('end', () =>
              finish(undefined, {
                status: res.statusCode ?? 0,
                headers: responseHeaders,
                body: Buffer.concat(chunks, total).toString('utf8'),
              }),
            );
            res.on('error', (error) => finish(error));
            res.on('aborted', () => finish(new Error('response aborted')));
          },
        );
        const timer = setTimeout(() => {
          finish(new RequestTimeoutError(request.timeoutMs));
          req.destroy();
        }, request.timeoutMs);
        timer.unref();
        req.on('error', (error) => finish(error));
        req.end(request.body);
      });
    },
  };
}
