// The load generator: complete CIBA flows (backchannel request -> owner approval through
// the owner-device API -> tokens at the client) in poll or ping mode, driven over
// keep-alive HTTP/1.1 connections against any provider described by a `target` (see
// bench/targets/*.mjs). Only the target's setup differs between providers; the client,
// the owner device and the timing are the same code. The load generator shares the two
// cores with the provider it measures, so it speaks HTTP through lib/lean-http.mjs, a
// small client and server over node:net: fetch (undici) cost it about twice the CPU of
// node:http, and node:http's objects about twice that of lib/lean-http.mjs, whose own
// garbage collections then showed up in the latencies it measured.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { createLeanServer, HttpPool } from './lib/lean-http.mjs';

const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
const now = () => performance.now();

/**
 * @typedef {object} Target
 * @property {string} name
 * @property {string} backchannelEndpoint
 * @property {string} tokenEndpoint
 * @property {string} ownerDeviceRequests  URL of GET .../requests (long-poll list) and POST .../requests/{id}/approve
 * @property {{ poll: { clientId: string, clientSecret: string }, ping: { clientId: string, clientSecret: string } }} clients
 * @property {{ loginHint: string, deviceCredential: string }[]} owners  one per concurrent flow
 */

/** RFC 6749 §2.3.1: client_secret_basic, both parts form-urlencoded before base64. */
export const basicAuth = ({ clientId, clientSecret }) =>
  'Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');

// The load generator shares the machine with the provider it measures: what it can compute
// once (a client's Authorization header, an origin's host and port) it computes once.
const basicAuthOf = new WeakMap();
const cachedBasicAuth = (client) => {
  let header = basicAuthOf.get(client);
  if (header === undefined) basicAuthOf.set(client, (header = basicAuth(client)));
  return header;
};
const hosts = new Map(); // origin -> { hostname, port }
/** node:http request options for an absolute http URL; each origin is parsed once. */
function requestTarget(url) {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  const origin = slash === -1 ? url : url.slice(0, slash);
  let host = hosts.get(origin);
  if (host === undefined) {
    const parsed = new URL(origin);
    hosts.set(origin, (host = { hostname: parsed.hostname, port: parsed.port }));
  }
  return { ...host, path: slash === -1 ? '/' : url.slice(slash) };
}

// One keep-alive pool for every request of the run: 50 flows and 50 owner devices.
const pool = new HttpPool();

/** One HTTP exchange over the shared keep-alive pool: resolves with the status and the body text. */
function exchange(url, { method = 'GET', headers = {}, body, signal } = {}) {
  return pool.request({ ...requestTarget(url), method, headers, body, signal });
}

async function postForm(url, form, authorization) {
  const res = await exchange(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
  const text = res.text;
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  return { status: res.status, body };
}

class FlowError extends Error {
  constructor(step, detail) {
    super(`${step}: ${typeof detail === 'string' ? detail : JSON.stringify(detail).slice(0, 300)}`);
    this.step = step;
  }
}

/**
 * The client's notification endpoint for ping mode (CIBA §10.2): a keep-alive HTTP/1.1
 * listener on 127.0.0.1 (lib/lean-http.mjs). Each flow registers its client_notification_token before it
 * sends the backchannel request; a ping carrying that bearer token resolves the flow's
 * promise at once (the 204 is written first), and the flow then calls the token endpoint.
 */
export class PingListener {
  // Waiters by notification token in a plain object, not a Map: a Map with steady churn is
  // rehashed into a new table every few dozen flows, and each old table links to the next,
  // which kept the waiters of earlier flows alive through young-generation collections.
  #waiters = Object.create(null);
  #server;
  #connections;
  received = 0;
  unexpected = 0;

  async start() {
    this.#server = createLeanServer(({ headers, body }) => {
      const arrivedAt = now();
      const auth = headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      const waiter = this.#waiters[token];
      if (!waiter) {
        this.unexpected++;
        return 401;
      }
      this.received++;
      delete this.#waiters[token];
      let authReqId;
      try {
        authReqId = JSON.parse(body.toString('utf8')).auth_req_id;
      } catch {
        authReqId = undefined;
      }
      // The 204 is written as soon as this returns, before the flow goes on.
      queueMicrotask(() => waiter({ arrivedAt, authReqId }));
      return 204;
    });
    this.#connections = new Set();
    this.#server.on('connection', (socket) => {
      this.#connections.add(socket);
      socket.on('close', () => this.#connections.delete(socket));
    });
    await new Promise((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this.#server.address().port;
  }

  /** Registers a notification token; resolves with the ping's arrival time, rejects after timeoutMs. */
  expect(token, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        delete this.#waiters[token];
        reject(new FlowError('ping', `no ping within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters[token] = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
    });
  }

  async stop() {
    for (const socket of this.#connections ?? []) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** The flow number in a bench binding message (`BENCH-<tag>-<n>`). */
const flowNumber = (bindingMessage) => Number(bindingMessage.slice(bindingMessage.lastIndexOf('-') + 1));

/**
 * A simulated owner device per owner: long-polls the owner-device list and approves each
 * request it has not seen yet. Approval times are recorded by the flow number in the
 * binding message, which is unique per flow, so they can be matched to the client's
 * timeline; they go into preallocated arrays rather than an object per flow, so the load
 * generator's heap does not grow during a run (its own collections would show up in the
 * latencies it measures).
 */
class OwnerDevices {
  errors = 0;
  listCalls = 0;
  emptyLists = 0;
  // One AbortController per owner device, not one for all: node:events' EventTarget leaves a
  // removed listener's links to its neighbours in place, so on one signal shared by 50 long
  // polls each removed listener kept the next one alive, and with it that request's closures,
  // promises and buffers, through young-generation collections (docs/benchmarks.md as of
  // commit ac03674, the sixth pass). With one long poll per signal at a time, no listener has
  // a neighbour.
  #aborts = [];
  #loops = [];

  constructor(target, { waitSeconds, approveDelayMs, flows }) {
    this.target = target;
    this.waitSeconds = waitSeconds;
    this.approveDelayMs = approveDelayMs;
    this.sentAt = new Float64Array(flows).fill(NaN);
    this.doneAt = new Float64Array(flows).fill(NaN);
  }

  start() {
    this.#aborts = this.target.owners.map(() => new AbortController());
    this.#loops = this.target.owners.map((owner, i) => this.#loop(owner, this.#aborts[i].signal));
  }

  async stop() {
    for (const abort of this.#aborts) abort.abort();
    await Promise.allSettled(this.#loops);
  }

  async #loop(owner, signal) {
    const authorization = `Bearer ${owner.deviceCredential}`;
    // The requests of the last list, so each is approved once; replaced by every list, so it
    // stays as small as the list.
    let seen = new Set();
    while (!signal.aborted) {
      let list;
      try {
        const res = await exchange(`${this.target.ownerDeviceRequests}?wait=${this.waitSeconds}`, {
          headers: { authorization, accept: 'application/json' },
          signal,
        });
        list = JSON.parse(res.text);
        if (res.status !== 200) throw new FlowError('owner-device list', list);
      } catch (err) {
        if (signal.aborted) return;
        this.errors++;
        if (this.errors <= 5) console.error(`[${this.target.name}] owner device: ${err.message}`);
        await sleep(50);
        continue;
      }
      this.listCalls++;
      if ((list.requests ?? []).length === 0) this.emptyLists++;
      const requests = list.requests ?? [];
      const fresh = requests.filter((request) => !seen.has(request.id));
      seen = new Set(requests.map((request) => request.id));
      // A list of requests already answered can only be a race with our own approval
      // (or a provider that keeps answered requests listed): pause instead of spinning.
      if (fresh.length === 0) await sleep(5);
      for (const request of fresh) {
        // Think time drawn uniformly from [0.5, 1.5] x the mean, so owners do not answer in lockstep.
        if (this.approveDelayMs > 0) await sleep(this.approveDelayMs * (0.5 + Math.random()));
        const n = flowNumber(request.binding_message);
        this.sentAt[n] = now();
        try {
          const res = await exchange(`${this.target.ownerDeviceRequests}/${encodeURIComponent(request.id)}/approve`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
            body: '{}',
          });
          const text = res.text;
          if (res.status >= 300) throw new FlowError('owner-device approve', `${res.status} ${text}`);
          this.doneAt[n] = now();
        } catch (err) {
          if (signal.aborted) return;
          this.errors++;
          if (this.errors <= 5) console.error(`[${this.target.name}] owner device: ${err.message}`);
          await sleep(50);
        }
      }
    }
  }
}

/** One ping-mode flow (CIBA §10.2). */
async function pingFlow(target, owner, bindingMessage, ping, timeoutMs) {
  const client = target.clients.ping;
  const notificationToken = randomBytes(18).toString('base64url');
  const pinged = ping.expect(notificationToken, timeoutMs);
  pinged.catch(() => {});
  const t0 = now();
  const ack = await postForm(
    target.backchannelEndpoint,
    {
      scope: 'openid',
      login_hint: owner.loginHint,
      binding_message: bindingMessage,
      client_notification_token: notificationToken,
    },
    cachedBasicAuth(client),
  );
  const tAck = now();
  if (ack.status !== 200 || !ack.body.auth_req_id) throw new FlowError('backchannel', ack);
  const { arrivedAt: tPing } = await pinged;
  const token = await postForm(
    target.tokenEndpoint,
    { grant_type: CIBA_GRANT, auth_req_id: ack.body.auth_req_id },
    cachedBasicAuth(client),
  );
  const tToken = now();
  if (token.status !== 200 || !token.body.access_token || !token.body.id_token) throw new FlowError('token', token);
  return { t0, tAck, tPing, tToken, polls: 1 };
}

/**
 * One poll-mode flow (CIBA §7.3, §10.1). The client behaves like openid-client's
 * pollBackchannelAuthenticationGrant: it waits the advertised `interval` (5 s when the
 * provider advertises none) before every token request, and adds 5 s on slow_down.
 */
async function pollFlow(target, owner, bindingMessage, _ping, timeoutMs) {
  const client = target.clients.poll;
  const t0 = now();
  const ack = await postForm(
    target.backchannelEndpoint,
    { scope: 'openid', login_hint: owner.loginHint, binding_message: bindingMessage },
    cachedBasicAuth(client),
  );
  const tAck = now();
  if (ack.status !== 200 || !ack.body.auth_req_id) throw new FlowError('backchannel', ack);
  let interval = ack.body.interval ?? 5;
  let polls = 0;
  for (;;) {
    await sleep(interval * 1000);
    if (now() - t0 > timeoutMs) throw new FlowError('token', 'flow timed out');
    polls++;
    const token = await postForm(
      target.tokenEndpoint,
      { grant_type: CIBA_GRANT, auth_req_id: ack.body.auth_req_id },
      cachedBasicAuth(client),
    );
    if (token.status === 200) {
      if (!token.body.access_token || !token.body.id_token) throw new FlowError('token', token);
      return { t0, tAck, tToken: now(), polls, interval: ack.body.interval };
    }
    if (token.body.error === 'slow_down') interval += 5;
    else if (token.body.error !== 'authorization_pending') throw new FlowError('token', token);
  }
}

/**
 * Runs complete flows with `concurrency` workers in one closed loop; worker i acts for owner
 * i, whose device approves. The loop runs `warmupFlows` unmeasured flows, then the `flows`
 * measured ones, then `coolDownFlows` unmeasured ones, without pausing between them: the
 * measured flows see the loop in its steady state, neither the wave of 50 flows started at
 * once that a fresh loop begins with nor the drain at its end. The measurement window opens
 * when the first measured flow starts (`onWindowStart` is called then) and closes when the
 * first cool-down flow starts (`onWindowEnd`), or, without cool-down flows, when the last
 * flow completes; in between, the providers do the work of `flows` flows. The hooks may
 * return promises, awaited at the end and returned as `windowStart` and `windowEnd`.
 *
 * Returns one timeline per completed measured flow plus error counts.
 *
 * @param {Target} target
 * @param {{ mode: 'poll'|'ping', flows: number, concurrency: number, ping?: PingListener,
 *   tag: string, approveDelayMs?: number, flowTimeoutMs?: number, warmupFlows?: number,
 *   coolDownFlows?: number, onWindowStart?: () => unknown, onWindowEnd?: () => unknown }} options
 */
export async function runFlows(target, options) {
  const { mode, flows, concurrency, ping, tag } = options;
  if (target.owners.length < concurrency) throw new Error(`target has ${target.owners.length} owners < ${concurrency}`);
  const warmupFlows = options.warmupFlows ?? 0;
  const coolDownFlows = options.coolDownFlows ?? 0;
  const total = warmupFlows + flows + coolDownFlows;
  const flowTimeoutMs = options.flowTimeoutMs ?? 60_000;
  const devices = new OwnerDevices(target, {
    waitSeconds: 20,
    approveDelayMs: options.approveDelayMs ?? 0,
    flows: total,
  });
  devices.start();
  const run = mode === 'ping' ? pingFlow : pollFlow;
  // The measured flows' timelines, one slot per flow in preallocated arrays.
  const timeline = {
    t0: new Float64Array(flows),
    tAck: new Float64Array(flows),
    tPing: new Float64Array(flows).fill(NaN),
    tToken: new Float64Array(flows),
    polls: new Uint16Array(flows),
    interval: new Float64Array(flows).fill(NaN),
    done: new Uint8Array(flows),
  };
  const failures = new Map();
  const warmupFailures = new Map();
  let next = 0;
  let windowStart;
  let windowEnd;
  let hookStart;
  let hookEnd;
  const worker = async (w) => {
    const owner = target.owners[w];
    // With a think time, stagger the workers' first requests over one think time, so the
    // flows in flight are spread out rather than sent as one wave.
    if (options.approveDelayMs > 0) await sleep(Math.random() * options.approveDelayMs);
    while (next < total) {
      const n = next++;
      if (n === warmupFlows) {
        windowStart = now();
        hookStart = options.onWindowStart?.();
      } else if (n === warmupFlows + flows) {
        windowEnd = now();
        hookEnd = options.onWindowEnd?.();
      }
      const measured = n >= warmupFlows && n < warmupFlows + flows;
      try {
        const result = await run(target, owner, `BENCH-${tag}-${n}`, ping, flowTimeoutMs);
        if (measured) {
          const i = n - warmupFlows;
          timeline.t0[i] = result.t0;
          timeline.tAck[i] = result.tAck;
          if (result.tPing !== undefined) timeline.tPing[i] = result.tPing;
          timeline.tToken[i] = result.tToken;
          timeline.polls[i] = result.polls;
          if (result.interval !== undefined) timeline.interval[i] = result.interval;
          timeline.done[i] = 1;
        }
      } catch (err) {
        const counts = measured ? failures : warmupFailures;
        const key = err.step ?? 'other';
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if ([...failures.values(), ...warmupFailures.values()].reduce((a, b) => a + b, 0) <= 5)
          console.error(`[${target.name}] ${process.env.BENCH_VERBOSE ? err.stack : err.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  if (windowEnd === undefined) {
    windowEnd = now();
    hookEnd = options.onWindowEnd?.();
  }
  await devices.stop();
  const timelines = [];
  for (let i = 0; i < flows; i++) {
    if (!timeline.done[i]) continue;
    const n = i + warmupFlows;
    timelines.push({
      bindingMessage: `BENCH-${tag}-${n}`,
      t0: timeline.t0[i],
      tAck: timeline.tAck[i],
      tPing: Number.isNaN(timeline.tPing[i]) ? undefined : timeline.tPing[i],
      tToken: timeline.tToken[i],
      polls: timeline.polls[i],
      interval: Number.isNaN(timeline.interval[i]) ? undefined : timeline.interval[i],
      tApproveSent: Number.isNaN(devices.sentAt[n]) ? undefined : devices.sentAt[n],
      tApproveDone: Number.isNaN(devices.doneAt[n]) ? undefined : devices.doneAt[n],
    });
  }
  return {
    wallMs: windowEnd - (windowStart ?? windowEnd),
    completed: timelines.length,
    failed: Object.fromEntries(failures),
    warmupFailed: Object.fromEntries(warmupFailures),
    ownerDeviceErrors: devices.errors,
    // Owner-device list calls per flow (a long poll answered with the new request, then the
    // next long poll), and how many came back empty (long polls that timed out or raced).
    deviceListsPerFlow: devices.listCalls / Math.max(1, total),
    emptyDeviceListsPerFlow: devices.emptyLists / Math.max(1, total),
    windowStart: await hookStart,
    windowEnd: await hookEnd,
    timelines,
  };
}
