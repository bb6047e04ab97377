// Checks of the native load generator (bench/native/loadgen.c through
// bench/lib/native-loadgen.mjs) against a fake provider written here with node:http: a
// backchannel endpoint that pings the client's notification endpoint when the owner
// approves, a token endpoint answering as each test scripts it, and an owner-device API
// with long polling. Run with `node --test bench/test/`; without a C compiler the tests are
// skipped, with the reason, unless BENCH_REQUIRE_NATIVE=1 (set by .ci/run) makes them fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { basicAuth } from '../load.mjs';
import { NativeLoadGenerator, nativeLoadGeneratorAvailable } from '../lib/native-loadgen.mjs';

const SOURCE = fileURLToPath(new URL('../native/loadgen.c', import.meta.url));
// Both clocks are read from this process's performance.now() scale; the C process's times
// are converted to it, which this allows for (its wall clock is read to the microsecond).
const CLOCK_SLACK_MS = 3;

const available = nativeLoadGeneratorAvailable();
const maySkip = process.env.BENCH_REQUIRE_NATIVE !== '1';

/** A test that needs the binary: skipped without a compiler, failed on a build error. */
function nativeTest(name, fn) {
  test(name, async (t) => {
    if (!available.ok && available.missingCompiler && maySkip) return t.skip(available.reason);
    assert.ok(available.ok, available.reason);
    await fn(t);
  });
}

async function startGenerator(t, options) {
  const generator = new NativeLoadGenerator(options);
  const port = await generator.start();
  t.after(() => generator.stop());
  return { generator, port };
}

/** Escapes non-ASCII characters, so the owner-device list exercises \u escapes. */
const asciiJson = (value) =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The fake provider. `script` shapes its answers:
 *   interval(n)            poll mode: the interval to advertise for flow n (none if undefined)
 *   slowDown(n, call)      poll mode: answer this token call (1, 2, …) of flow n with slow_down
 *   backchannelError(n)    answer flow n's backchannel request with 400
 *   tokenError             answer every token request with this error
 *   ping: false            never ping
 *   chunked                chunked responses (with a trailer) and chunked pings
 *   connectionClose        `Connection: close` on every response
 *   dropSecondRequest      close each connection, unanswered, when its second request arrives
 *   slowApprovalMs         ping first, then answer the approval this much later
 */
async function startFakeProvider(t, pingPort, script = {}) {
  const owners = Array.from({ length: script.owners ?? 4 }, (_, i) => ({
    loginHint: `owner-${i}@fake.example`,
    deviceCredential: `device-${i}-credential`,
  }));
  const clients = {
    poll: { clientId: 'fake poll client', clientSecret: 'poll secret/ä' },
    ping: { clientId: 'fake-ping-client', clientSecret: 'ping+secret' },
  };
  const state = {
    requests: [],
    byAuthReqId: new Map(),
    pending: owners.map(() => new Map()),
    wakers: owners.map(() => new Set()),
    backchannelCalls: 0,
    connections: 0,
    dropped: 0,
    pingAnswers: [],
    pingErrors: [],
    problems: [],
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  const sendText = (res, status, text) => {
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    if (script.connectionClose) headers.connection = 'close';
    if (script.chunked) {
      res.writeHead(status, { ...headers, trailer: 'x-fake-trailer' });
      res.write(text.slice(0, 3));
      res.write(text.slice(3, 10));
      res.addTrailers({ 'x-fake-trailer': 'done' });
      res.end(text.slice(10));
    } else {
      res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }
  };
  const send = (res, status, body) => sendText(res, status, JSON.stringify(body));
  const problem = (res, what) => {
    state.problems.push(what);
    send(res, 400, { error: 'invalid_request', error_description: what });
  };
  const clientMode = (authorization) =>
    authorization === basicAuth(clients.ping) ? 'ping' : authorization === basicAuth(clients.poll) ? 'poll' : undefined;

  const wake = (owner) => {
    for (const done of [...state.wakers[owner]]) done();
  };

  function sendPing(request) {
    const payload = JSON.stringify({ auth_req_id: request.authReqId });
    const headers = { authorization: `Bearer ${request.token}`, 'content-type': 'application/json' };
    if (!script.chunked) headers['content-length'] = Buffer.byteLength(payload);
    const ping = http.request({ host: '127.0.0.1', port: pingPort, method: 'POST', path: '/ping', agent, headers });
    ping.on('response', (res) => {
      res.resume();
      state.pingAnswers.push(res.statusCode);
    });
    ping.on('error', (err) => state.pingErrors.push(err.message));
    request.pingSentAt = performance.now();
    if (script.chunked) {
      ping.write(payload.slice(0, 7));
      ping.end(payload.slice(7));
    } else {
      ping.end(payload);
    }
  }

  function backchannel(req, res, body) {
    const mode = clientMode(req.headers.authorization);
    if (!mode) return send(res, 401, { error: 'invalid_client' });
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return problem(res, 'content-type');
    if (req.headers.accept !== 'application/json') return problem(res, 'accept');
    const form = new URLSearchParams(body);
    const owner = owners.findIndex((o) => o.loginHint === form.get('login_hint'));
    const bindingMessage = form.get('binding_message') ?? '';
    const token = form.get('client_notification_token');
    if (form.get('scope') !== 'openid' || owner < 0 || !/^BENCH-[^\s]+-\d+$/.test(bindingMessage))
      return problem(res, `backchannel form ${body}`);
    if (mode === 'ping' ? !/^[\w-]{24}$/.test(token ?? '') : token !== null) return problem(res, 'notification token');
    state.backchannelCalls++;
    const n = Number(bindingMessage.slice(bindingMessage.lastIndexOf('-') + 1));
    if (script.backchannelError?.(n))
      return send(res, 400, { error: 'invalid_request', error_description: 'scripted' });
    const k = state.requests.length;
    const request = {
      id: `req ${k}/ä+"${n}`,
      authReqId: `ar-${k}`,
      owner,
      n,
      bindingMessage,
      mode,
      token,
      tokenCalls: [],
      approved: false,
    };
    state.requests.push(request);
    state.byAuthReqId.set(request.authReqId, request);
    state.pending[owner].set(request.id, request);
    const interval = mode === 'poll' ? script.interval?.(n) : undefined;
    request.ackAt = performance.now();
    send(res, 200, {
      auth_req_id: request.authReqId,
      expires_in: 120,
      ...(interval === undefined ? {} : { interval }),
    });
    wake(owner);
  }

  function token(req, res, body) {
    const mode = clientMode(req.headers.authorization);
    if (!mode) return send(res, 401, { error: 'invalid_client' });
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:openid:params:grant-type:ciba') return problem(res, 'grant_type');
    const request = state.byAuthReqId.get(form.get('auth_req_id'));
    if (!request || request.mode !== mode) return send(res, 400, { error: 'invalid_grant' });
    const call = { at: performance.now(), approved: request.approved };
    request.tokenCalls.push(call);
    const answer = (error) => {
      call.answer = error;
      send(res, 400, { error });
    };
    if (script.tokenError) return answer(script.tokenError);
    if (mode === 'poll' && script.slowDown?.(request.n, request.tokenCalls.length)) return answer('slow_down');
    if (!request.approved) return answer('authorization_pending');
    call.answer = 'tokens';
    send(res, 200, {
      access_token: `at-${request.authReqId}`,
      token_type: 'Bearer',
      expires_in: 600,
      id_token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJvd25lciJ9.c2ln',
    });
  }

  async function list(req, res, owner, url) {
    const wait = Math.min(Number(url.searchParams.get('wait') ?? 0) || 0, 20);
    if (state.pending[owner].size === 0 && wait > 0) {
      await new Promise((resolve) => {
        const timer = setTimeout(done, wait * 1000);
        state.wakers[owner].add(done);
        res.on('close', done);
        function done() {
          clearTimeout(timer);
          state.wakers[owner].delete(done);
          resolve();
        }
      });
    }
    if (res.destroyed) return;
    const requests = [...state.pending[owner].values()].map((r) => ({
      client_name: 'fake "ping" client',
      // A nested `id` and `binding_message` that must not be taken for the request's own.
      nested: { id: 'not-this-one', list: [1, { binding_message: 'BENCH-x-999' }, '}]', [[]]], none: null },
      id: r.id,
      binding_message: r.bindingMessage,
      scope: ['openid'],
      expires_at: 1.5e9,
    }));
    sendText(res, 200, asciiJson({ requests }));
  }

  function approve(req, res, owner, rawId, body) {
    const id = decodeURIComponent(rawId);
    if (rawId !== encodeURIComponent(id)) return problem(res, `id not encoded as encodeURIComponent does: ${rawId}`);
    if (req.headers['content-type'] !== 'application/json' || body !== '{}') return problem(res, 'approve body');
    const request = state.pending[owner].get(id);
    if (!request) return send(res, 404, { error: 'not_found' });
    state.pending[owner].delete(id);
    request.approved = true;
    request.approvedAt = performance.now();
    const ping = request.mode === 'ping' && script.ping !== false;
    if (script.slowApprovalMs) {
      if (ping) sendPing(request);
      setTimeout(() => send(res, 200, { id, status: 'approved' }), script.slowApprovalMs);
      return;
    }
    send(res, 200, { id, status: 'approved' });
    if (ping) sendPing(request);
  }

  const server = http.createServer(async (req, res) => {
    req.socket.requestsSeen = (req.socket.requestsSeen ?? 0) + 1;
    if (script.dropSecondRequest && req.socket.requestsSeen === 2) {
      state.dropped++;
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    const url = new URL(req.url, 'http://fake');
    if (req.method === 'POST' && url.pathname === '/ciba/backchannel') return backchannel(req, res, body);
    if (req.method === 'POST' && url.pathname === '/ciba/token') return token(req, res, body);
    const owner = owners.findIndex((o) => req.headers.authorization === `Bearer ${o.deviceCredential}`);
    if (owner < 0) return send(res, 401, { error: 'invalid_token' });
    if (req.method === 'GET' && url.pathname === '/owner/requests') return list(req, res, owner, url);
    const approval = /^\/owner\/requests\/([^/]+)\/approve$/.exec(url.pathname);
    if (req.method === 'POST' && approval) return approve(req, res, owner, approval[1], body);
    send(res, 404, { error: 'not_found' });
  });
  server.on('connection', () => state.connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  t.after(async () => {
    agent.destroy();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    state,
    target: {
      name: 'fake',
      backchannelEndpoint: `${origin}/ciba/backchannel`,
      // The other spelling of the loopback host.
      tokenEndpoint: `http://localhost:${port}/ciba/token`,
      ownerDeviceRequests: `${origin}/owner/requests`,
      clients,
      owners,
    },
  };
}

const byBindingMessage = (state) => new Map(state.requests.map((r) => [r.bindingMessage, r]));
const cpuMs = (cpu) => (cpu.end.user + cpu.end.system - cpu.start.user - cpu.start.system) / 1000;

test('the C source builds without warnings under -Wall -Wextra -pedantic', (t) => {
  if (!available.ok && available.missingCompiler && maySkip) return t.skip(available.reason);
  const dir = mkdtempSync(join(tmpdir(), 'loadgen-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [compiler, ...args] = (process.env.CC || 'cc').trim().split(/\s+/);
  const built = spawnSync(
    compiler,
    [...args, '-std=c11', '-O2', '-Wall', '-Wextra', '-pedantic', '-o', join(dir, 'loadgen'), SOURCE],
    { encoding: 'utf8' },
  );
  assert.equal(built.status, 0, built.stderr);
  assert.equal(built.stderr.trim(), '', 'no warnings');
});

nativeTest('ping flows complete with ordered timelines; warm-up and cool-down are not measured', async (t) => {
  const { generator, port } = await startGenerator(t);
  const { state, target } = await startFakeProvider(t, port, { owners: 8 });
  const hooks = [];
  const before = performance.now();
  const result = await generator.run(target, {
    mode: 'ping',
    flows: 200,
    concurrency: 8,
    tag: 'a',
    warmupFlows: 20,
    coolDownFlows: 8,
    onWindowStart: () => {
      hooks.push(['start', performance.now()]);
      return Promise.resolve('start reading');
    },
    onWindowEnd: () => {
      hooks.push(['end', performance.now()]);
      return 'end reading';
    },
  });
  const after = performance.now();

  assert.deepEqual(state.problems, []);
  assert.equal(state.backchannelCalls, 228, 'warm-up, measured and cool-down flows all ran');
  assert.equal(result.completed, 200);
  assert.deepEqual(result.failed, {});
  assert.deepEqual(result.warmupFailed, {});
  assert.equal(result.ownerDeviceErrors, 0);
  assert.deepEqual(result.pings, { received: 228, unexpected: 0 });
  assert.ok(state.pingAnswers.every((status) => status === 204));
  assert.ok(result.deviceListsPerFlow >= 1, `${result.deviceListsPerFlow} owner-device lists per flow`);
  assert.ok(result.emptyDeviceListsPerFlow >= 0 && result.emptyDeviceListsPerFlow < result.deviceListsPerFlow);

  assert.deepEqual(
    hooks.map(([edge]) => edge),
    ['start', 'end'],
    'each hook once, in order',
  );
  assert.equal(result.windowStart, 'start reading');
  assert.equal(result.windowEnd, 'end reading');
  assert.ok(result.wallMs > 0 && result.wallMs <= after - before, `wallMs ${result.wallMs}`);

  assert.deepEqual(
    result.timelines.map((t) => t.bindingMessage),
    Array.from({ length: 200 }, (_, i) => `BENCH-a-${i + 20}`),
    'the measured flows, in order',
  );
  const requests = byBindingMessage(state);
  for (const flow of result.timelines) {
    const { t0, tAck, tPing, tToken, tApproveSent, tApproveDone } = flow;
    for (const time of [t0, tAck, tPing, tToken, tApproveSent, tApproveDone])
      assert.equal(typeof time, 'number', JSON.stringify(flow));
    assert.ok(t0 <= tAck, JSON.stringify(flow));
    assert.ok(tApproveSent <= tPing && tPing <= tToken, JSON.stringify(flow));
    assert.ok(tApproveSent <= tApproveDone, JSON.stringify(flow));
    assert.equal(flow.polls, 1);
    assert.equal(flow.interval, undefined);
    // On this process's performance.now() scale: bracketed by the run and by what the fake
    // provider saw of the same flow.
    assert.ok(t0 >= before - CLOCK_SLACK_MS && tToken <= after + CLOCK_SLACK_MS, JSON.stringify(flow));
    const seen = requests.get(flow.bindingMessage);
    assert.ok(t0 <= seen.ackAt + CLOCK_SLACK_MS, 'request sent before the provider answered it');
    assert.ok(tAck >= seen.ackAt - CLOCK_SLACK_MS, 'acknowledgement read after the provider sent it');
    assert.ok(tApproveSent <= seen.approvedAt + CLOCK_SLACK_MS, 'approval sent before the provider ran it');
    assert.ok(tPing >= seen.pingSentAt - CLOCK_SLACK_MS, 'ping received after the provider sent it');
    assert.ok(tToken >= seen.tokenCalls[0].at - CLOCK_SLACK_MS, 'tokens received after the provider answered');
  }

  const cpu = cpuMs(result.generatorCpu);
  assert.ok(cpu >= 0);
  t.diagnostic(
    `native load generator CPU in the window: ${cpu.toFixed(1)} ms for ${result.completed} flows, ` +
      `${((cpu / result.completed) * 1000).toFixed(0)} µs per flow`,
  );
});

nativeTest('poll flows wait the advertised interval (5 s without one) and add 5 s on slow_down', async (t) => {
  const { generator, port } = await startGenerator(t);
  const { state, target } = await startFakeProvider(t, port, {
    owners: 3,
    // Flow 1 advertises no interval; the others 0.2 s.
    interval: (n) => (n === 1 ? undefined : 0.2),
    // Flow 0's first token request is told to slow down.
    slowDown: (n, call) => n === 0 && call === 1,
  });
  const result = await generator.run(target, {
    mode: 'poll',
    flows: 6,
    concurrency: 3,
    tag: 'b',
    approveDelayMs: 300,
  });
  assert.deepEqual(state.problems, []);
  assert.deepEqual(result.failed, {});
  assert.equal(result.completed, 6);
  const requests = byBindingMessage(state);
  const tolerance = { early: 15, late: 500 };
  for (const flow of result.timelines) {
    const seen = requests.get(flow.bindingMessage);
    const calls = seen.tokenCalls;
    assert.equal(flow.polls, calls.length, `${flow.bindingMessage}: polls = token requests the provider saw`);
    assert.equal(flow.tPing, undefined);
    assert.equal(typeof flow.tApproveSent, 'number');
    assert.equal(flow.interval, seen.n === 1 ? undefined : 0.2);
    assert.equal(calls.at(-1).answer, 'tokens');
    for (const call of calls.slice(0, -1)) assert.ok(['authorization_pending', 'slow_down'].includes(call.answer));
    let interval = seen.n === 1 ? 5 : 0.2;
    let from = seen.ackAt;
    for (const call of calls) {
      const gap = call.at - from;
      assert.ok(
        gap >= interval * 1000 - tolerance.early && gap <= interval * 1000 + tolerance.late,
        `${flow.bindingMessage}: ${gap.toFixed(1)} ms before a token request, expected ${interval} s`,
      );
      if (call.answer === 'slow_down') interval += 5;
      from = call.at;
    }
  }
  const slowed = requests.get('BENCH-b-0').tokenCalls;
  assert.deepEqual(
    slowed.map((c) => c.answer),
    ['slow_down', 'tokens'],
  );
  assert.equal(requests.get('BENCH-b-1').tokenCalls.length, 1);
  assert.ok(
    result.timelines.some((flow) => flow.polls > 1 && requests.get(flow.bindingMessage).n > 1),
    'some flow polled while its owner was thinking',
  );
});

nativeTest('failed steps are counted by step, measured and warm-up apart, and the run still ends', async (t) => {
  const logged = [];
  const { generator, port } = await startGenerator(t, { log: (line) => logged.push(line) });

  // The provider refuses every third backchannel request and every token request.
  const refusing = await startFakeProvider(t, port, {
    owners: 2,
    backchannelError: (n) => n % 3 === 0,
    tokenError: 'access_denied',
  });
  const refused = await generator.run(refusing.target, {
    mode: 'ping',
    flows: 4,
    warmupFlows: 2,
    concurrency: 2,
    tag: 'c',
  });
  assert.equal(refused.completed, 0);
  assert.deepEqual(refused.warmupFailed, { backchannel: 1, token: 1 }); // flows 0 and 1
  assert.deepEqual(refused.failed, { backchannel: 1, token: 3 }); // flow 3, flows 2, 4, 5
  const failureLines = logged.filter((line) => /^\[fake\] (backchannel|token): BENCH-c-\d+ 400 /.test(line));
  assert.equal(failureLines.length, 5, `the first five failures are shown:\n${logged.join('\n')}`);
  assert.ok(failureLines.some((line) => line.includes('{"error":"access_denied"}')));

  // A provider that never pings: each flow fails at 'ping' after the flow timeout.
  logged.length = 0;
  const silent = await startFakeProvider(t, port, { owners: 2, ping: false });
  const started = performance.now();
  const unpinged = await generator.run(silent.target, {
    mode: 'ping',
    flows: 4,
    concurrency: 2,
    tag: 'c2',
    flowTimeoutMs: 300,
  });
  const elapsed = performance.now() - started;
  assert.deepEqual(unpinged.failed, { ping: 4 });
  assert.equal(unpinged.completed, 0);
  assert.ok(elapsed >= 550 && elapsed < 3000, `two rounds of 300 ms flows took ${elapsed.toFixed(0)} ms`);
  assert.ok(silent.state.requests.every((r) => r.approved && r.tokenCalls.length === 0));
  assert.match(logged.join('\n'), /\[fake\] ping: BENCH-c2-\d+ no ping within 300 ms/);

  // Nothing listening: the connection errors count as 'other', as in load.mjs.
  logged.length = 0;
  const closed = net.createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const deadPort = closed.address().port;
  closed.close();
  await once(closed, 'close');
  const dead = `http://127.0.0.1:${deadPort}`;
  const nowhere = await generator.run(
    {
      ...silent.target,
      backchannelEndpoint: `${dead}/bc`,
      tokenEndpoint: `${dead}/token`,
      ownerDeviceRequests: `${dead}/requests`,
    },
    { mode: 'poll', flows: 3, concurrency: 1, tag: 'c3' },
  );
  assert.deepEqual(nowhere.failed, { other: 3 });
  assert.match(logged.join('\n'), /other: BENCH-c3-0 backchannel request: connect: Connection refused/i);
});

nativeTest('approvals still in flight when the last flow ends are waited for, as load.mjs does', async (t) => {
  const { generator, port } = await startGenerator(t);
  // The provider pings at once and answers the approval 150 ms later: each flow has its
  // tokens before its owner device has the approval's answer.
  const { target } = await startFakeProvider(t, port, { owners: 2, slowApprovalMs: 150 });
  const hooks = [];
  const result = await generator.run(target, {
    mode: 'ping',
    flows: 4,
    concurrency: 2,
    tag: 'w',
    onWindowEnd: () => hooks.push(performance.now()),
  });
  assert.equal(result.completed, 4);
  for (const flow of result.timelines) {
    assert.equal(typeof flow.tApproveDone, 'number', JSON.stringify(flow));
    assert.ok(flow.tApproveDone > flow.tToken, JSON.stringify(flow));
  }
  // Without cool-down flows the window closes when the last flow ends, before that wait.
  const lastToken = Math.max(...result.timelines.map((flow) => flow.tToken));
  const lastApproval = Math.max(...result.timelines.map((flow) => flow.tApproveDone));
  assert.equal(hooks.length, 1);
  assert.ok(hooks[0] < lastApproval, 'the window closed before the last approval was answered');
  assert.ok(hooks[0] >= lastToken - CLOCK_SLACK_MS);
});

nativeTest('connections the provider closes between requests are replaced without failing flows', async (t) => {
  const { generator, port } = await startGenerator(t);

  // Each connection is closed, unanswered, when its second request arrives: every request
  // after a connection's first is sent again on a new one.
  const dropping = await startFakeProvider(t, port, { owners: 2, dropSecondRequest: true });
  const dropped = await generator.run(dropping.target, {
    mode: 'ping',
    flows: 10,
    concurrency: 2,
    tag: 'd',
    flowTimeoutMs: 3000,
  });
  assert.deepEqual(dropping.state.problems, []);
  assert.deepEqual(dropped.failed, {});
  assert.equal(dropped.completed, 10);
  assert.equal(dropped.ownerDeviceErrors, 0);
  assert.ok(dropping.state.dropped >= 10, `${dropping.state.dropped} requests dropped`);

  // `Connection: close` on every response: no connection is used twice.
  const closing = await startFakeProvider(t, port, { owners: 2, connectionClose: true, interval: () => 0.05 });
  const closed = await generator.run(closing.target, {
    mode: 'poll',
    flows: 6,
    concurrency: 2,
    tag: 'd2',
    flowTimeoutMs: 3000,
  });
  assert.deepEqual(closed.failed, {});
  assert.equal(closed.completed, 6);
  assert.equal(closed.ownerDeviceErrors, 0);
  const requestsSent =
    closing.state.backchannelCalls + closing.state.requests.reduce((n, r) => n + r.tokenCalls.length, 0);
  assert.ok(closing.state.connections >= requestsSent, `${closing.state.connections} connections`);
});

nativeTest('chunked responses and chunked pings are read', async (t) => {
  const { generator, port } = await startGenerator(t);
  const { state, target } = await startFakeProvider(t, port, { owners: 3, chunked: true });
  const result = await generator.run(target, { mode: 'ping', flows: 12, concurrency: 3, tag: 'e' });
  assert.deepEqual(state.problems, []);
  assert.deepEqual(result.failed, {});
  assert.equal(result.completed, 12);
  assert.equal(result.ownerDeviceErrors, 0);
  assert.ok(state.pingAnswers.length === 12 && state.pingAnswers.every((status) => status === 204));
});

nativeTest(
  'the ping listener answers 401 to unknown tokens and 400 to bad framing; bad targets are refused',
  async (t) => {
    const { generator, port } = await startGenerator(t);
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const closed = once(socket, 'close');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const answers = async (count) => {
      const deadline = Date.now() + 2000;
      while ((received.match(/HTTP\/1\.1 /g) ?? []).length < count && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 5));
      return received.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    };
    // A head split over two writes, then two pipelined requests (one chunked) in one write.
    socket.write('POST /ping HTTP/1.1\r\nauthorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAA\r\ncontent-le');
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write('ngth: 2\r\n\r\n{}');
    socket.write(
      'POST /ping HTTP/1.1\r\nauthorization: Basic abc\r\ncontent-length: 0\r\n\r\n' +
        'POST /ping HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2;x=1\r\n{}\r\n0\r\n\r\n',
    );
    assert.deepEqual(await answers(3), ['HTTP/1.1 401', 'HTTP/1.1 401', 'HTTP/1.1 401']);
    socket.write('POST /ping HTTP/1.1\r\ncontent-length: -5\r\n\r\n');
    assert.deepEqual((await answers(4)).at(-1), 'HTTP/1.1 400');
    await closed;

    await assert.rejects(
      generator.run(
        {
          name: 'elsewhere',
          backchannelEndpoint: 'http://example.com/bc',
          tokenEndpoint: 'http://127.0.0.1:1/token',
          ownerDeviceRequests: 'http://127.0.0.1:1/requests',
          clients: { ping: { clientId: 'a', clientSecret: 'b' } },
          owners: [{ loginHint: 'x', deviceCredential: 'y' }],
        },
        { mode: 'ping', flows: 1, concurrency: 1, tag: 'f' },
      ),
      /only the IPv4 loopback/,
    );
    // The process takes the next run as usual, with the same ping listener.
    const { state, target } = await startFakeProvider(t, port, { owners: 1 });
    const result = await generator.run(target, { mode: 'ping', flows: 2, concurrency: 1, tag: 'f2' });
    assert.equal(result.completed, 2);
    assert.equal(state.pingAnswers.length, 2);
  },
);
