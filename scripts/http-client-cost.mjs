#!/usr/bin/env node
// CPU cost of one outbound send (a CIBA ping, a push) through an HttpClient, in the sending
// process only: the receiving endpoint runs in a child process, so its CPU is not counted.
//
//   npm run build && node scripts/http-client-cost.mjs [--sends 20000] [--rounds 5] [--concurrency 16]
//        [--client <module.js>#<factory>]...
//
// Default: the platform's createHttpClient (dist/libs/platform/src/index.js) and, for scale, a
// bare node:http keep-alive request written here (no timeout, guard or body bound). Each
// --client adds a factory from a compiled module (e.g. an older adapter kept in a branch).
// Rounds alternate the clients; the median per client is printed, in µs of CPU per send.
// A measurement, not a test: it asserts nothing.
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    sends: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    client: { type: 'string', multiple: true, default: [] },
  },
});

if (values.serve) {
  // The client's notification endpoint: drains the body, answers 204 (CIBA §10.2, §10.3.1).
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (message) => message === 'stop' && server.close(() => process.exit(0)));
} else {
  const require = createRequire(import.meta.url);
  const root = resolve(import.meta.dirname, '..');
  const clients = [];
  const platform = require(resolve(root, 'dist/libs/platform/src/index.js'));
  clients.push(['createHttpClient (undici)', () => platform.createHttpClient()]);
  clients.push(['bare node:http (reference)', bareNodeHttp]);
  for (const spec of values.client) {
    const [file, name] = spec.split('#');
    const factory = require(resolve(file))[name];
    if (typeof factory !== 'function') throw new Error(`${spec}: no factory ${name}`);
    clients.push([`${name} (${file})`, () => factory()]);
  }

  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { stdio: 'inherit' });
  const { port } = await new Promise((done) => child.once('message', done));
  const url = `http://127.0.0.1:${port}/cb`;
  const ping = JSON.stringify({ auth_req_id: 'x'.repeat(27) });
  const push = JSON.stringify({
    auth_req_id: 'x'.repeat(27),
    access_token: 'a'.repeat(700),
    token_type: 'DPoP',
    refresh_token: 'r'.repeat(43),
    expires_in: 600,
    id_token: 'i'.repeat(900),
  });
  const sends = Number(values.sends);
  const concurrency = Number(values.concurrency);
  const results = new Map(clients.map(([name]) => [name, { ping: [], push: [] }]));

  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, make] of clients) {
      for (const [kind, body] of [
        ['ping', ping],
        ['push', push],
      ]) {
        const client = make();
        const send = () =>
          client.send({
            url,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer client-notification-token' },
            body,
            timeoutMs: 5000,
            maxResponseBytes: 16 * 1024,
          });
        await run(send, 2000, concurrency); // warm-up: connections open, code optimised
        const before = process.cpuUsage();
        await run(send, sends, concurrency);
        const used = process.cpuUsage(before);
        results.get(name)[kind].push((used.user + used.system) / sends);
      }
    }
  }
  child.send('stop');

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`CPU per send in the sending process, µs (median of ${values.rounds} rounds of ${sends} sends,`);
  console.log(`${concurrency} in flight, keep-alive, 204 answers)`);
  for (const [name, { ping: p, push: q }] of results) {
    console.log(
      `  ${name.padEnd(40)} ping ${median(p).toFixed(1).padStart(6)}   push ${median(q).toFixed(1).padStart(6)}`,
    );
  }
}

/** `count` sends with `concurrency` in flight. */
async function run(send, count, concurrency) {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const res = await send();
      if (res.status !== 204) throw new Error(`answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The least a keep-alive POST costs through node:http, for scale. */
function bareNodeHttp() {
  const agent = new Agent({ keepAlive: true });
  return {
    send: (req) =>
      new Promise((done, fail) => {
        const headers = { ...req.headers, 'content-length': Buffer.byteLength(req.body) };
        const out = request(req.url, { method: req.method, headers, agent }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode, headers: {}, body: Buffer.concat(chunks).toString() }));
        });
        out.on('error', fail);
        out.end(req.body);
      }),
  };
}
