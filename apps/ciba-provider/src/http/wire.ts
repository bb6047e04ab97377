import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLarge, type WireRequest, type WireResponse } from '@onboard/ciba-core';

/** The parts of an Express request the adapter reads (Express extends IncomingMessage). */
export type HttpRequest = IncomingMessage & {
  originalUrl?: string;
  route?: { path?: string };
  /** Set by {@link readRawBody} so a body is read once even if asked twice. */
  onboardRawBody?: Buffer;
};
export type HttpResponse = ServerResponse;

/**
 * Largest request body accepted. OAuth requests are small; signed request objects
 * and DCR metadata with an inline JWKS are the largest legitimate bodies.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Read the raw request body, at most `limit` bytes. Nest's body parser is off, so
 * the core sees the exact bytes and parses form/JSON itself (rejecting duplicated
 * parameters, RFC 6749 §3.1). A larger body is refused with 413 `invalid_request`
 * (by Content-Length before reading, or once the stream passes the limit); the
 * rest of the stream is discarded and the connection closed after the answer.
 */
export function readRawBody(req: HttpRequest, limit = MAX_BODY_BYTES): Promise<Buffer> {
  if (req.onboardRawBody) return Promise.resolve(req.onboardRawBody);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(req, limit));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(req, limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      const body = Buffer.concat(chunks, size);
      req.onboardRawBody = body;
      resolve(body);
    };
    const onError = (error?: Error) => {
      cleanup();
      reject(error ?? new Error('request aborted'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}

function tooLarge(req: HttpRequest, limit: number): PayloadTooLarge {
  // Keep draining what the client still sends, so it reads our answer instead of a reset.
  req.resume();
  const error = new PayloadTooLarge(`request body exceeds ${limit} bytes`);
  error.headers = { connection: 'close' };
  return error;
}

/** Path and query of the request as sent (origin-form even if the client used absolute-form). */
export function requestTarget(req: HttpRequest): string {
  const raw = req.originalUrl ?? req.url ?? '/';
  if (raw.startsWith('/')) return raw;
  try {
    const url = new URL(raw);
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}

/** The path without the query (for logs and route matching: queries may carry tokens). */
export function requestPath(req: HttpRequest): string {
  const target = requestTarget(req);
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/**
 * Headers as the core expects them: lower-case names, repeated headers joined
 * with ', ' — including those Node would silently drop duplicates of
 * (Authorization, Content-Type), so a duplicated credential is seen and refused.
 */
export function wireHeaders(req: IncomingMessage): Record<string, string | undefined> {
  // Straight from the raw header lines (what headersDistinct is built from, without its arrays).
  // No prototype: a header named like an Object.prototype member is just a header.
  const headers = Object.create(null) as Record<string, string | undefined>;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const previous = headers[name];
    headers[name] = previous === undefined ? raw[i + 1] : `${previous}, ${raw[i + 1]}`;
  }
  return headers;
}

/**
 * Turn an Express request into the core's WireRequest. `url` is issuer-based
 * (issuer + path + query) so it is the URL the client addressed: the DPoP `htu`
 * check compares against it (RFC 9449 §4.3).
 */
export async function toWireRequest(req: HttpRequest, issuer: string, limit = MAX_BODY_BYTES): Promise<WireRequest> {
  const rawBody = await readRawBody(req, limit);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url: `${issuer}${requestTarget(req)}`,
    headers: wireHeaders(req),
    rawBody,
    ip: req.socket.remoteAddress,
  };
}

/** Write a WireResponse: JSON bodies serialised, strings as is, undefined as an empty body. */
export function sendWireResponse(res: HttpResponse, wire: WireResponse): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = wire.status;
  for (const [name, value] of Object.entries(wire.headers)) res.setHeader(name, value);
  if (wire.body === undefined || wire.status === 204 || wire.status === 304) {
    res.end();
    return;
  }
  if (typeof wire.body === 'string' || Buffer.isBuffer(wire.body)) {
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(wire.body);
    return;
  }
  if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(wire.body));
}
