// Checks of the load generator's HTTP/1.1 client and server (bench/lib/lean-http.mjs)
// against node:http on the other end. Run with `node --test bench/test/`.
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import net from 'node:net';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { createLeanServer, HttpPool } from '../lib/lean-http.mjs';

async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
}

async function nodeServer(handler, configure = () => {}) {
  const connections = [];
  const server = http.createServer(handler);
  server.on('connection', (socket) => connections.push(socket));
  configure(server);
  const port = await listen(server);
  return {
    port,
    connections,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

test('the client reads Content-Length and chunked bodies and reuses one keep-alive connection', async (t) => {
  const seen = [];
  const server = await nodeServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method,
        url: req.url,
        auth: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first part, ');
        setTimeout(() => res.end('second part: äöü'), 5);
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echo: Buffer.concat(chunks).toString('utf8') }));
      }
    });
  });
  t.after(server.close);
  const pool = new HttpPool();
  t.after(() => pool.close());
  const target = { hostname: '127.0.0.1', port: server.port };

  const posted = await pool.request({
    ...target,
    method: 'POST',
    path: '/form?x=1',
    headers: { authorization: 'Basic abc', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=1&b=€',
  });
  assert.equal(posted.status, 201);
  assert.deepEqual(JSON.parse(posted.text), { echo: 'a=1&b=€' });
  const chunked = await pool.request({ ...target, method: 'GET', path: '/chunked', headers: {} });
  assert.equal(chunked.status, 200);
  assert.equal(chunked.text, 'first part, second part: äöü');
  const empty = await pool.request({ ...target, method: 'GET', path: '/empty', headers: {} });
  assert.deepEqual(empty, { status: 204, text: '' });

  assert.deepEqual(seen[0], { method: 'POST', url: '/form?x=1', auth: 'Basic abc', body: 'a=1&b=€' });
  assert.equal(server.connections.length, 1, 'three sequential requests share one connection');
});

test('concurrent requests open a connection each, and the idle ones are reused afterwards', async (t) => {
  const server = await nodeServer((req, res) => setTimeout(() => res.end(req.url), 10));
  t.after(server.close);
  const pool = new HttpPool();
  t.after(() => pool.close());
  const target = { hostname: '127.0.0.1', port: server.port, method: 'GET', headers: {} };
  const first = await Promise.all([1, 2, 3].map((n) => pool.request({ ...target, path: `/${n}` })));
  assert.deepEqual(
    first.map((r) => r.text),
    ['/1', '/2', '/3'],
  );
  await Promise.all([4, 5, 6].map((n) => pool.request({ ...target, path: `/${n}` })));
  assert.equal(server.connections.length, 3);
});

test('a reused connection the server closes as a request goes out is replaced, and the request succeeds', async (t) => {
  // The race a keep-alive client meets when a server times an idle connection out: the
  // first connection answers one request, then closes on the next without answering.
  let connections = 0;
  const raw = net.createServer((socket) => {
    const number = ++connections;
    let requests = 0;
    socket.on('data', () => {
      requests++;
      if (number === 1 && requests === 2) socket.destroy();
      else socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n${number}${requests}`);
    });
  });
  const port = await listen(raw);
  t.after(() => raw.close());
  const pool = new HttpPool();
  t.after(() => pool.close());
  const target = { hostname: '127.0.0.1', port, method: 'GET', path: '/', headers: {} };
  assert.equal((await pool.request(target)).text, '11');
  assert.equal((await pool.request(target)).text, '21');
  assert.equal(connections, 2);
});

test('a connection the server closed while idle is dropped from the pool', async (t) => {
  const server = await nodeServer((req, res) => res.end('ok'));
  t.after(server.close);
  const pool = new HttpPool();
  t.after(() => pool.close());
  const target = { hostname: '127.0.0.1', port: server.port, method: 'GET', path: '/', headers: {} };
  assert.equal((await pool.request(target)).text, 'ok');
  server.connections[0].destroy();
  await sleep(50);
  assert.equal((await pool.request(target)).text, 'ok');
  assert.equal(server.connections.length, 2);
});

test('aborting a pending request rejects it and closes its connection', async (t) => {
  const server = await nodeServer(() => {
    /* never answers: a long poll */
  });
  t.after(server.close);
  const pool = new HttpPool();
  t.after(() => pool.close());
  const abort = new AbortController();
  const pending = pool.request({
    hostname: '127.0.0.1',
    port: server.port,
    method: 'GET',
    path: '/wait',
    headers: {},
    signal: abort.signal,
  });
  await sleep(20);
  abort.abort(new Error('stopped'));
  await assert.rejects(pending, /stopped/);
  await sleep(20);
  assert.ok(server.connections[0].destroyed || server.connections[0].readableEnded);
});

test('a response the client cannot delimit rejects instead of hanging', async (t) => {
  const raw = net.createServer((socket) => {
    socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nno length'));
  });
  const port = await listen(raw);
  t.after(() => raw.close());
  const pool = new HttpPool();
  t.after(() => pool.close());
  await assert.rejects(
    pool.request({ hostname: '127.0.0.1', port, method: 'GET', path: '/', headers: {} }),
    /without Content-Length/,
  );
});

test('the server answers keep-alive requests with Content-Length and chunked bodies, and 400 on garbage', async (t) => {
  const received = [];
  const server = createLeanServer(({ method, path, headers, body }) => {
    received.push({ method, path, authorization: headers.authorization, body: body.toString('utf8') });
    return headers.authorization === 'Bearer good' ? 204 : 401;
  });
  const sockets = new Set();
  server.on('connection', (s) => sockets.add(s));
  const port = await listen(server);
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const send = (headers, write) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/ping', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      write(req);
    });
  const json = JSON.stringify({ auth_req_id: 'abc' });
  assert.equal(
    await send(
      { authorization: 'Bearer good', 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) },
      (r) => r.end(json),
    ),
    204,
  );
  assert.equal(
    await send({ authorization: 'Bearer bad', 'transfer-encoding': 'chunked' }, (r) => {
      r.write('{"auth_req_id":');
      r.end('"def"}');
    }),
    401,
  );
  assert.deepEqual(received, [
    { method: 'POST', path: '/ping', authorization: 'Bearer good', body: json },
    { method: 'POST', path: '/ping', authorization: 'Bearer bad', body: '{"auth_req_id":"def"}' },
  ]);
  assert.equal(sockets.size, 1, 'both requests came over one keep-alive connection');

  const raw = net.connect(port, '127.0.0.1');
  raw.write('POST /ping HTTP/1.1\r\ncontent-length: -5\r\n\r\n');
  const [reply] = await once(raw, 'data');
  assert.match(reply.toString('latin1'), /^HTTP\/1\.1 400 /);
  raw.destroy();
});
