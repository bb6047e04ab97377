import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HttpClient, OutboundRequest, OutboundResponse } from '../ports/http-client.port';
import { boundedMemo } from './bounded-memo';
import { RequestTimeoutError, ResponseTooLargeError } from './fetch-http-client';
import type { OutboundGuard } from './outbound-guard';

/** Options of {@link createLeanHttpClient}. */
export interface LeanHttpClientOptions {
  /** Idle keep-alive connections kept per origin (default 256). */
  maxIdlePerOrigin?: number;
  /** An idle connection is closed after this long (ms, default 30 s). */
  idleTimeoutMs?: number;
  /** Extra trusted CA certificates for https (PEM), besides Node's default store. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Largest response head accepted (bytes, default 16 KiB). */
  maxHeaderBytes?: number;
  /**
   * Refuse targets the deployment does not allow (private, loopback, metadata…): a literal
   * address before connecting, a name on every address it resolves to. Absent: no check.
   */
  guard?: OutboundGuard;
}

/** The peer broke HTTP/1.1 (bad status line, framing or headers). */
export class HttpProtocolError extends Error {
  override name = 'HttpProtocolError';
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** RFC 9110 token characters (header names, methods). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value: visible characters, spaces and tabs; no CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

interface ResponseHead {
  status: number;
  headers: Record<string, string>;
  /** Body framing: a length, chunked, none (1xx/204/304) or up to the end of the connection. */
  framing: { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'none' } | { kind: 'close' };
  keepAlive: boolean;
}

function parseHead(bytes: Buffer): ResponseHead {
  const lines = bytes.toString('latin1').split('\r\n');
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!statusLine) throw new HttpProtocolError('malformed status line');
  const http10 = statusLine[1] === '0';
  const status = Number(statusLine[2]);
  // No prototype: a header named __proto__ or constructor is just a header.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    // Obsolete line folding (a line starting with white space) is refused (RFC 9112 §5.2).
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') throw new HttpProtocolError('malformed header line');
    const name = line.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name)) throw new HttpProtocolError('malformed header name');
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const connection = (headers['connection'] ?? '').toLowerCase();
  const keepAlive = http10 ? /(^|,)\s*keep-alive\s*(,|$)/.test(connection) : !/(^|,)\s*close\s*(,|$)/.test(connection);
  let framing: ResponseHead['framing'];
  const transferEncoding = headers['transfer-encoding'];
  if ((status >= 100 && status < 200) || status === 204 || status === 304) framing = { kind: 'none' };
  else if (transferEncoding !== undefined) {
    // RFC 9112 §6.3: chunked must be the final coding; anything else is read to the close.
    const codings = transferEncoding
      .toLowerCase()
      .split(',')
      .map((c) => c.trim());
    framing = codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  } else if (headers['content-length'] !== undefined) {
    // Repeated Content-Length headers must agree (they were joined with ", ").
    const values = new Set(headers['content-length'].split(',').map((v) => v.trim()));
    const [only] = values;
    if (values.size !== 1 || !/^\d{1,15}$/.test(only)) throw new HttpProtocolError('invalid content-length');
    framing = { kind: 'length', length: Number(only) };
  } else framing = { kind: 'close' };
  return { status, headers, framing, keepAlive: keepAlive && framing.kind !== 'close' };
}

/** A request being answered on a connection. */
interface Exchange {
  request: OutboundRequest;
  finish(error: Error | undefined, response?: OutboundResponse): void;
}

/**
 * One keep-alive connection: one request at a time. Parses the response as bytes arrive:
 * the head (bounded), then the body by its framing, bounded by the request's
 * `maxResponseBytes`.
 */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private exchange?: Exchange;
  private head?: ResponseHead;
  private bodyAt = 0;
  private chunks: Buffer[] = [];
  private bodyBytes = 0;
  /** Chunked decoding: bytes of the current chunk still to read, or -1 for a size line next. */
  private chunkLeft = -1;
  closed = false;

  constructor(
    readonly socket: Socket,
    readonly origin: string,
    private readonly pool: ConnectionPool,
    private readonly maxHeaderBytes: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed before the response was complete')));
    socket.on('timeout', () => this.fail(new Error('idle connection timed out')));
  }

  send(bytes: Buffer, exchange: Exchange): void {
    this.exchange = exchange;
    this.head = undefined;
    this.chunks = [];
    this.bodyBytes = 0;
    this.chunkLeft = -1;
    this.socket.setTimeout(0);
    this.socket.write(bytes);
  }

  fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.forget(this);
    this.socket.destroy();
    const exchange = this.exchange;
    this.exchange = undefined;
    exchange?.finish(error);
  }

  private onEnd(): void {
    // A body delimited by the end of the connection is complete now.
    if (this.exchange && this.head?.framing.kind === 'close') this.complete();
    this.fail(new Error('connection closed before the response was complete'));
  }

  private onData(chunk: Buffer): void {
    if (!this.exchange) {
      this.fail(new HttpProtocolError('unexpected bytes on an idle connection'));
      return;
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      this.parse();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private parse(): void {
    const exchange = this.exchange as Exchange;
    if (!this.head) {
      const end = this.buffer.indexOf(HEAD_END);
      if (end === -1) {
        if (this.buffer.length > this.maxHeaderBytes) throw new HttpProtocolError('response head too large');
        return;
      }
      if (end > this.maxHeaderBytes) throw new HttpProtocolError('response head too large');
      const head = parseHead(this.buffer.subarray(0, end));
      this.buffer = this.buffer.subarray(end + 4);
      if (head.status >= 100 && head.status < 200) {
        // An interim response (we never send Expect): the final one follows.
        if (this.buffer.length > 0) this.parse();
        return;
      }
      if (head.framing.kind === 'length' && head.framing.length > exchange.request.maxResponseBytes) {
        throw new ResponseTooLargeError(exchange.request.maxResponseBytes);
      }
      this.head = head;
    }
    const framing = this.head.framing;
    if (framing.kind === 'none') return this.complete();
    if (framing.kind === 'length') {
      const want = framing.length - this.bodyBytes;
      const take = Math.min(want, this.buffer.length);
      if (take > 0) this.addBody(this.buffer.subarray(0, take));
      this.buffer = this.buffer.subarray(take);
      if (this.bodyBytes === framing.length) this.complete();
      return;
    }
    if (framing.kind === 'close') {
      if (this.buffer.length > 0) this.addBody(this.buffer);
      this.buffer = Buffer.alloc(0);
      return;
    }
    // Chunked (RFC 9112 §7.1).
    for (;;) {
      if (this.chunkLeft === -1) {
        const lineEnd = this.buffer.indexOf(CRLF);
        if (lineEnd === -1) {
          if (this.buffer.length > 1024) throw new HttpProtocolError('chunk size line too long');
          return;
        }
        const sizeText = this.buffer.toString('latin1', 0, lineEnd).split(';')[0].trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new HttpProtocolError('malformed chunk size');
        const size = parseInt(sizeText, 16);
        if (size === 0) {
          // Last chunk: trailers (ignored) end with an empty line; without trailers that
          // empty line follows the size line at once (end === lineEnd).
          const end = this.buffer.indexOf(HEAD_END, lineEnd);
          if (end === -1) {
            if (this.buffer.length > this.maxHeaderBytes) throw new HttpProtocolError('trailers too large');
            return;
          }
          this.buffer = this.buffer.subarray(end + 4);
          return this.complete();
        }
        this.buffer = this.buffer.subarray(lineEnd + 2);
        this.chunkLeft = size;
      }
      if (this.chunkLeft > 0) {
        const take = Math.min(this.chunkLeft, this.buffer.length);
        if (take > 0) this.addBody(this.buffer.subarray(0, take));
        this.buffer = this.buffer.subarray(take);
        this.chunkLeft -= take;
        if (this.chunkLeft > 0) return;
      }
      // The CRLF after the chunk's data.
      if (this.buffer.length < 2) return;
      if (this.buffer[0] !== 0x0d || this.buffer[1] !== 0x0a) throw new HttpProtocolError('malformed chunk');
      this.buffer = this.buffer.subarray(2);
      this.chunkLeft = -1;
    }
  }

  private addBody(bytes: Buffer): void {
    const exchange = this.exchange as Exchange;
    this.bodyBytes += bytes.length;
    // Stop reading: the peer may stream without end (ping endpoint hardening).
    if (this.bodyBytes > exchange.request.maxResponseBytes)
      throw new ResponseTooLargeError(exchange.request.maxResponseBytes);
    this.chunks.push(Buffer.from(bytes));
  }

  private complete(): void {
    const exchange = this.exchange as Exchange;
    const head = this.head as ResponseHead;
    this.exchange = undefined;
    this.head = undefined;
    const response: OutboundResponse = {
      status: head.status,
      headers: head.headers,
      body: Buffer.concat(this.chunks, this.bodyBytes).toString('utf8'),
    };
    this.chunks = [];
    // Bytes beyond the response (pipelining we never asked for) or a close: not reused.
    if (head.keepAlive && this.buffer.length === 0 && !this.closed) this.pool.release(this);
    else {
      this.closed = true;
      this.pool.forget(this);
      this.socket.destroy();
    }
    exchange.finish(undefined, response);
  }
}

/** Idle connections per origin, most recently used first. */
class ConnectionPool {
  private readonly idle = new Map<string, Connection[]>();

  constructor(
    private readonly maxIdlePerOrigin: number,
    private readonly idleTimeoutMs: number,
  ) {}

  take(origin: string): Connection | undefined {
    const list = this.idle.get(origin);
    const connection = list?.pop();
    if (list && list.length === 0) this.idle.delete(origin);
    if (connection) connection.socket.ref();
    return connection;
  }

  release(connection: Connection): void {
    let list = this.idle.get(connection.origin);
    if (!list) this.idle.set(connection.origin, (list = []));
    if (list.length >= this.maxIdlePerOrigin) {
      connection.fail(new Error('idle pool full'));
      return;
    }
    // An idle connection never keeps the process alive, and is closed after a while.
    connection.socket.unref();
    connection.socket.setTimeout(this.idleTimeoutMs);
    list.push(connection);
  }

  forget(connection: Connection): void {
    const list = this.idle.get(connection.origin);
    if (!list) return;
    const at = list.indexOf(connection);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.idle.delete(connection.origin);
  }
}

/**
 * The production HttpClient: HTTP/1.1 over node:net / node:tls with keep-alive, a ping to
 * a client's notification endpoint reusing the connection of the previous one. Same
 * contract as {@link createFetchHttpClient} and {@link createNodeHttpClient}: redirects
 * are never followed (a 3xx comes back as is), one timeout covers connect, headers and
 * body, the body is read up to `maxResponseBytes` and the connection dropped beyond it,
 * header names are lower-case (repeated headers joined with ", "), network failures,
 * timeouts and responses that break HTTP/1.1 framing throw. https verifies the server's
 * certificate against Node's CA store (plus `ca`) and its name (SNI for host names).
 * With a `guard`, a target it refuses throws OutboundTargetRefused before any byte is sent.
 *
 * Why not node:http: the request is written as one buffer and the response parsed from
 * the socket's bytes, without ClientRequest, IncomingMessage, the Agent's bookkeeping and
 * their streams. Measured with `npm run bench:provider`, node:http's client cost about
 * 4 % of the provider's CPU per saturated ping flow, for one ping.
 *
 * @example
 * const http = createLeanHttpClient();
 * const res = await http.send({ url, method: 'POST', headers, body, timeoutMs: 5000, maxResponseBytes: 16384 });
 */
export function createLeanHttpClient(options: LeanHttpClientOptions = {}): HttpClient {
  const parsed = boundedMemo((raw: string) => new URL(raw));
  const pool = new ConnectionPool(options.maxIdlePerOrigin ?? 256, options.idleTimeoutMs ?? 30_000);
  const maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;

  const open = (url: URL, origin: string): Connection => {
    const secure = url.protocol === 'https:';
    // URL keeps IPv6 literals in brackets; sockets want them bare.
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port || (secure ? 443 : 80));
    // A literal address is never looked up: the guard checked it in send(); names go through its lookup.
    const lookup = options.guard?.lookup;
    const socket = secure
      ? tlsConnect({
          host,
          port,
          servername: isIP(host) ? undefined : host,
          ALPNProtocols: ['http/1.1'],
          ...(options.ca ? { ca: options.ca } : {}),
          ...(lookup ? { lookup } : {}),
        })
      : netConnect({ host, port, ...(lookup ? { lookup } : {}) });
    return new Connection(socket, origin, pool, maxHeaderBytes);
  };

  return {
    send(request: OutboundRequest): Promise<OutboundResponse> {
      return new Promise<OutboundResponse>((resolve, reject) => {
        let url: URL;
        let bytes: Buffer;
        try {
          url = parsed(request.url);
          if (url.protocol !== 'https:' && url.protocol !== 'http:') {
            throw new TypeError(`unsupported protocol ${url.protocol}`);
          }
          if (url.username || url.password) throw new TypeError('credentials in the URL are not sent');
          options.guard?.assertHost(url.hostname);
          if (!TOKEN.test(request.method)) throw new TypeError('invalid method');
          let head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
          for (const [name, value] of Object.entries(request.headers)) {
            const lower = name.toLowerCase();
            if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) throw new TypeError(`invalid header ${name}`);
            if (
              lower === 'host' ||
              lower === 'content-length' ||
              lower === 'transfer-encoding' ||
              lower === 'connection'
            ) {
              continue; // framing and routing are this client's
            }
            head += `${name}: ${value}\r\n`;
          }
          const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
          if (body !== undefined || request.method === 'POST') head += `content-length: ${body?.length ?? 0}\r\n`;
          head += '\r\n';
          bytes = body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
        } catch (error) {
          reject(error as Error);
          return;
        }
        const origin = url.origin;
        const connection = pool.take(origin) ?? open(url, origin);
        let settled = false;
        const timer = setTimeout(() => connection.fail(new RequestTimeoutError(request.timeoutMs)), request.timeoutMs);
        timer.unref();
        connection.send(bytes, {
          request,
          finish(error, response) {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            if (error) reject(error);
            else resolve(response as OutboundResponse);
          },
        });
      });
    },
  };
}
