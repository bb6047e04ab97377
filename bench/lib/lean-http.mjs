// A small HTTP/1.1 client for the load generator: keep-alive connections over node:net,
// one request at a time per connection, requests written as one buffer, responses parsed
// for what the benchmark reads (status, Content-Length or chunked body, Connection: close).
//
// Why not node:http: the load generator shares the two cores with the provider it
// measures. node:http's ClientRequest, IncomingMessage, header objects and stream
// machinery cost it about half of its CPU per flow and most of its allocation, and its
// own garbage collections (scavenges of 4-6 ms, every ~200 ms at saturation) showed up as
// stalls in the latencies it measured. This client allocates a request buffer, the
// response's bytes and its text.
import net from 'node:net';

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

export class HttpError extends Error {}

/** Parses a response head (the bytes before CRLF CRLF). */
function parseHead(head) {
  const text = head.toString('latin1');
  // "HTTP/1.1 200 OK"
  if (!text.startsWith('HTTP/1.')) throw new HttpError(`not an HTTP/1.x response: ${text.slice(0, 40)}`);
  const status = Number(text.slice(9, 12));
  if (!Number.isInteger(status)) throw new HttpError(`bad status line: ${text.slice(0, 40)}`);
  let contentLength = -1;
  let chunked = false;
  let close = text.startsWith('HTTP/1.0');
  let start = text.indexOf('\r\n') + 2;
  while (start > 1 && start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end) {
      const name = text.slice(start, colon).trim().toLowerCase();
      const value = text
        .slice(colon + 1, end)
        .trim()
        .toLowerCase();
      if (name === 'content-length') contentLength = Number(value);
      else if (name === 'transfer-encoding') chunked = value.split(',').some((v) => v.trim() === 'chunked');
      else if (name === 'connection') close = value.split(',').some((v) => v.trim() === 'close');
    }
    start = end + 2;
  }
  return { status, contentLength, chunked, close };
}

/**
 * Decodes a complete chunked body from `buffer` starting at `offset`; returns the body and
 * the offset after the final CRLF, or undefined while more bytes are needed.
 */
function decodeChunked(buffer, offset) {
  const parts = [];
  let at = offset;
  for (;;) {
    const lineEnd = buffer.indexOf(CRLF, at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(buffer.toString('latin1', at, lineEnd).split(';')[0], 16);
    if (!Number.isFinite(size)) throw new HttpError('bad chunk size');
    at = lineEnd + 2;
    if (size === 0) {
      // Trailers (none expected) end with an empty line.
      const end = buffer.indexOf(CRLF_CRLF, at - 2);
      if (end === -1) return undefined;
      return { body: Buffer.concat(parts), next: end + 4 };
    }
    if (buffer.length < at + size + 2) return undefined;
    parts.push(buffer.subarray(at, at + size));
    at += size + 2;
  }
}

/** One keep-alive connection; answers one request at a time. */
class Connection {
  #socket;
  #buffer = Buffer.alloc(0);
  #pending;
  #head;
  closed = false;

  constructor(pool, key, host, port) {
    this.pool = pool;
    this.key = key;
    this.#socket = net.connect({ host, port, noDelay: true });
    this.#socket.on('data', (chunk) => this.#onData(chunk));
    this.#socket.on('error', (err) => this.#fail(err));
    this.#socket.on('close', () => this.#fail(new HttpError('connection closed')));
  }

  /** True once a byte of the current request's response has arrived. */
  answered = false;

  send(bytes, pending) {
    this.#pending = pending;
    this.#head = undefined;
    this.answered = false;
    this.#socket.write(bytes);
  }

  destroy(reason) {
    this.#fail(reason);
  }

  #fail(err) {
    if (this.closed) return;
    this.closed = true;
    this.#socket.destroy();
    this.pool.forget(this);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(err);
  }

  #onData(chunk) {
    this.answered = true;
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    if (!this.#pending) {
      if (this.#buffer.length) this.#fail(new HttpError('unexpected bytes on an idle connection'));
      return;
    }
    try {
      if (!this.#head) {
        const end = this.#buffer.indexOf(CRLF_CRLF);
        if (end === -1) return;
        this.#head = { ...parseHead(this.#buffer.subarray(0, end)), bodyAt: end + 4 };
      }
      const head = this.#head;
      let body;
      let next;
      if (head.chunked) {
        const decoded = decodeChunked(this.#buffer, head.bodyAt);
        if (!decoded) return;
        ({ body, next } = decoded);
      } else if (head.contentLength >= 0) {
        if (this.#buffer.length < head.bodyAt + head.contentLength) return;
        next = head.bodyAt + head.contentLength;
        body = this.#buffer.subarray(head.bodyAt, next);
      } else if (head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)) {
        next = head.bodyAt;
        body = Buffer.alloc(0);
      } else {
        // Body delimited by the connection's end: not used by either provider.
        throw new HttpError('response without Content-Length or chunked encoding');
      }
      const rest = this.#buffer.subarray(next);
      this.#buffer = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
      const pending = this.#pending;
      this.#pending = undefined;
      this.#head = undefined;
      if (head.close || rest.length) this.#fail(new HttpError('closed after response'));
      else this.pool.release(this);
      pending.resolve({ status: head.status, text: body.toString('utf8') });
    } catch (err) {
      this.#fail(err);
    }
  }
}

/** Keep-alive connections per host:port, reused in LIFO order (the most recently used first). */
export class HttpPool {
  #idle = new Map(); // key -> Connection[]
  #all = new Set();

  /**
   * @param {{ hostname: string, port: string|number, method: string, path: string,
   *   headers: Record<string, string>, body?: string, signal?: AbortSignal }} request
   * @returns {Promise<{ status: number, text: string }>}
   */
  request({ hostname, port, method, path, headers, body, signal }, retried = false) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new HttpError('aborted'));
      const key = `${hostname}:${port}`;
      const idle = this.#idle.get(key);
      let connection = idle?.pop();
      const reused = connection !== undefined;
      if (!connection) {
        connection = new Connection(this, key, hostname, Number(port));
        this.#all.add(connection);
      }
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${key}\r\n`;
      for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
      const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
      if (payload) head += `content-length: ${payload.length}\r\n`;
      head += '\r\n';
      const bytes = payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : Buffer.from(head, 'latin1');
      const target = connection;
      const onAbort = () => target.destroy(signal.reason ?? new HttpError('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      target.send(bytes, {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          // The server closed an idle keep-alive connection as the request went out: once
          // more on a new connection, as node:http's agent does.
          if (reused && !retried && !target.answered && !signal?.aborted)
            resolve(this.request({ hostname, port, method, path, headers, body, signal }, true));
          else reject(err);
        },
      });
    });
  }

  release(connection) {
    let idle = this.#idle.get(connection.key);
    if (!idle) this.#idle.set(connection.key, (idle = []));
    idle.push(connection);
  }

  forget(connection) {
    this.#all.delete(connection);
    const idle = this.#idle.get(connection.key);
    const at = idle ? idle.indexOf(connection) : -1;
    if (at >= 0) idle.splice(at, 1);
  }

  /** Closes every connection (pending requests reject). */
  close() {
    for (const connection of [...this.#all]) connection.destroy(new HttpError('pool closed'));
  }
}

/** Parses a request head: the request line and the headers (names lower-cased). */
function parseRequestHead(head) {
  const text = head.toString('latin1');
  const lineEnd = text.indexOf('\r\n');
  const [method, path] = text.slice(0, lineEnd === -1 ? text.length : lineEnd).split(' ');
  const headers = {};
  let start = lineEnd + 2;
  while (lineEnd !== -1 && start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end)
      headers[text.slice(start, colon).trim().toLowerCase()] = text.slice(colon + 1, end).trim();
    start = end + 2;
  }
  return { method, path, headers };
}

const STATUS_TEXT = { 200: 'OK', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized' };

/**
 * A keep-alive HTTP/1.1 server for small requests (the clients' ping endpoint), parsed as
 * the client above parses responses. `handler({ method, path, headers, body })` returns the
 * status to answer with (no response body).
 *
 * @param {(request: { method: string, path: string, headers: Record<string, string>, body: Buffer }) => number} handler
 */
export function createLeanServer(handler) {
  return net.createServer({ noDelay: true }, (socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      try {
        for (;;) {
          const end = buffer.indexOf(CRLF_CRLF);
          if (end === -1) return;
          const request = parseRequestHead(buffer.subarray(0, end));
          const encoding = request.headers['transfer-encoding'];
          let body;
          let next;
          if (encoding && encoding.toLowerCase().includes('chunked')) {
            const decoded = decodeChunked(buffer, end + 4);
            if (!decoded) return;
            ({ body, next } = decoded);
          } else {
            const length = Number(request.headers['content-length'] ?? 0);
            if (!Number.isInteger(length) || length < 0) throw new HttpError('bad content-length');
            if (buffer.length < end + 4 + length) return;
            next = end + 4 + length;
            body = buffer.subarray(end + 4, next);
          }
          const rest = buffer.subarray(next);
          buffer = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
          const status = handler({ ...request, body });
          socket.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}\r\ncontent-length: 0\r\n\r\n`);
        }
      } catch {
        socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        socket.destroy();
      }
    });
  });
}
