import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A request as the framework-free cores take it: method, the URL the client addressed
 * (issuer + path + query), lower-case headers, the exact body bytes and the peer address.
 * Structurally the same as ciba-core's `WireRequest`.
 */
export interface HttpWireRequest {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  rawBody?: Buffer;
  ip?: string;
}

/** What a core handler answers: status, headers and a body (JSON value, text or bytes). */
export interface HttpWireResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * Headers as the cores expect them: lower-case names, repeated headers joined with ', ',
 * including those Node would silently drop duplicates of (Authorization, Content-Type), so a
 * duplicated credential is seen and refused. No prototype: a header named like an
 * Object.prototype member is just a header.
 */
export function wireHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers = Object.create(null) as Record<string, string | undefined>;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const previous = headers[name];
    headers[name] = previous === undefined ? raw[i + 1] : `${previous}, ${raw[i + 1]}`;
  }
  return headers;
}

/** Path and query as sent (origin-form even if the client used absolute-form). */
export function requestTarget(req: IncomingMessage): string {
  const raw = req.url ?? '/';
  if (raw.startsWith('/')) return raw;
  try {
    const url = new URL(raw);
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}

/** The path without the query (for logs and route matching: queries may carry tokens). */
export function requestPath(req: IncomingMessage): string {
  const target = requestTarget(req);
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/**
 * The core's view of a Fastify request. `url` is `base` + path + query, the URL the client
 * addressed (the DPoP `htu` check compares against it, RFC 9449 §4.3); the body is the raw
 * bytes the catch-all parser kept ({@link installRawBodyParser}), so the cores parse forms and
 * JSON themselves (duplicated parameters refused, RFC 6749 §3.1).
 *
 * @example
 * const wire = toWireRequest(request, ctx.settings.issuer);
 */
export function toWireRequest(req: FastifyRequest, base: string): HttpWireRequest {
  const raw = req.raw;
  const body = req.body;
  return {
    method: raw.method ?? 'GET',
    url: `${base}${requestTarget(raw)}`,
    headers: wireHeaders(raw),
    rawBody: Buffer.isBuffer(body) ? body : undefined,
    ip: raw.socket.remoteAddress,
  };
}

/**
 * Writes a core's answer: JSON values serialised, strings and bytes as they are (text/plain
 * unless the answer names a type), nothing for 204/304 or an undefined body.
 *
 * @example
 * sendWire(reply, await handleToken(ctx, toWireRequest(request, issuer)));
 */
export function sendWire(reply: FastifyReply, wire: HttpWireResponse): void {
  if (reply.sent) return;
  reply.code(wire.status);
  reply.headers(wire.headers);
  if (wire.body === undefined || wire.status === 204 || wire.status === 304) {
    reply.send();
    return;
  }
  if (typeof wire.body === 'string' || Buffer.isBuffer(wire.body)) {
    if (!reply.hasHeader('content-type')) reply.type('text/plain; charset=utf-8');
    reply.send(wire.body);
    return;
  }
  if (!reply.hasHeader('content-type')) reply.type('application/json; charset=utf-8');
  reply.send(JSON.stringify(wire.body));
}
