// Pairings through the vehicle path: virtual head-units built on the real device client
// library (libs/device-client from dist/, `connect()` + `requestOwnerVerification()`, one
// MQTT connection each) ask their owners; the owners' phones long-poll the provider's
// owner-device API and approve; the library resolves once the encrypted token response was
// decrypted and the ID token verified.
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { percentile } from '../stats.mjs';
import { createOwners, importDevices } from './targets.mjs';

const require = createRequire(import.meta.url);
const now = () => performance.now();

/**
 * Creates `count` head-units: keys generated on the "device" (MemoryKeyStore), registered
 * through the bridge admin import, connected with the library. Worker i pairs with owner i.
 */
export async function createHeadUnits(path, { root, count, tag }) {
  const lib = require(resolve(root, 'dist/libs/device-client/src/index.js'));
  const units = [];
  for (let i = 0; i < count; i++) {
    const { privateJwks, publicJwks } = await lib.generateDeviceKeys();
    units.push({ deviceId: `hu-${tag}-${i}`, privateJwks, publicJwks });
  }
  await importDevices(
    path.bridge,
    units.map((u) => ({ device_id: u.deviceId, jwks: u.publicJwks })),
  );
  const owners = await createOwners(path.provider, count, tag);
  const clients = await Promise.all(
    units.map(async (unit) => {
      const client = await lib.connect({
        url: path.bridge.mqttUrl,
        deviceId: unit.deviceId,
        keys: new lib.MemoryKeyStore(unit.privateJwks),
        bridgeEncryptionKey: path.bridge.encryptionKey,
        providerIssuer: path.provider.issuer,
        // provisioned with the device (the provider's JWKS, fetched once by the bench)
        providerJwks: path.provider.jwks,
        tokenEndpoint: path.provider.discovery.token_endpoint,
        reconnect: { minMs: 100, maxMs: 1000 },
      });
      observeResults(client);
      return client;
    }),
  );
  return { clients, owners, lib };
}

/**
 * Records when a `replies/result` message reaches a head-unit, before the library opens it:
 * a listener put in front of the library's own on its connection's message events (bench
 * instrumentation; the library has no public event for "result received, not yet verified").
 */
function observeResults(client) {
  client.resultArrivals = new Map();
  // The client facade keeps its MQTT connection in its session (libs/device-client/src/client/session.ts).
  const connection = client.session?.connection ?? client.connection;
  if (!connection?.prependListener) throw new Error('device client internals changed: no connection emitter');
  connection.prependListener('message', (topic, payload) => {
    if (!topic.endsWith('/replies/result')) return;
    const at = now();
    try {
      const { request_id: requestId } = JSON.parse(payload.toString('utf8'));
      if (!client.resultArrivals.has(requestId)) client.resultArrivals.set(requestId, at);
    } catch {
      /* the library reports unreadable messages itself */
    }
  });
}

/**
 * The owners' phones: each long-polls `GET /owner-device/v1/requests?wait=N` and approves every
 * new request with `POST …/requests/{id}/approve`, after an optional think time. Approval
 * times are recorded by binding message (unique per pairing).
 */
class OwnerPhones {
  approvals = new Map();
  errors = 0;
  #abort = new AbortController();
  #loops = [];

  constructor(provider, owners, { waitSeconds = 20, thinkMs = 0 }) {
    this.base = `${provider.issuer}/owner-device/v1/requests`;
    this.owners = owners;
    this.waitSeconds = waitSeconds;
    this.thinkMs = thinkMs;
  }

  start() {
    // every fetch adds an abort listener that undici drops only after a garbage collection
    setMaxListeners(0, this.#abort.signal);
    this.#loops = this.owners.map((owner) => this.#loop(owner));
  }

  async stop() {
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }

  #fail(err) {
    this.errors++;
    if (this.errors <= 5) console.error(`owner phone: ${err.message}`);
  }

  async #loop(owner) {
    const signal = this.#abort.signal;
    const authorization = `Bearer ${owner.deviceCredential}`;
    const seen = new Set();
    while (!signal.aborted) {
      let list;
      try {
        const res = await fetch(`${this.base}?wait=${this.waitSeconds}`, {
          headers: { authorization, accept: 'application/json' },
          signal,
        });
        list = await res.json();
        if (res.status !== 200) throw new Error(`list: ${res.status} ${JSON.stringify(list)}`);
      } catch (err) {
        if (signal.aborted) return;
        this.#fail(err);
        await sleep(50);
        continue;
      }
      const fresh = (list.requests ?? []).filter((r) => !seen.has(r.id));
      if (fresh.length === 0) await sleep(5);
      for (const request of fresh) {
        seen.add(request.id);
        if (this.thinkMs > 0) await sleep(this.thinkMs * (0.5 + Math.random()));
        const record = { sentAt: now(), doneAt: undefined };
        this.approvals.set(request.binding_message, record);
        try {
          const res = await fetch(`${this.base}/${encodeURIComponent(request.id)}/approve`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
            body: '{}',
            signal,
          });
          const text = await res.text();
          if (res.status >= 300) throw new Error(`approve: ${res.status} ${text}`);
          record.doneAt = now();
        } catch (err) {
          if (signal.aborted) return;
          this.#fail(err);
        }
      }
    }
  }
}

/**
 * Runs `flows` pairings with `concurrency` head-units at a time (head-unit i asks owner i);
 * each starts its next pairing as soon as the last one resolved. With `thinkMs` the owners
 * approve after 0.5–1.5 × thinkMs, and the head-units start staggered over one think time.
 */
export async function runPairings(units, path, { flows, concurrency, thinkMs = 0, tag, timeoutMs = 120_000 }) {
  if (units.clients.length < concurrency) throw new Error(`${units.clients.length} head-units < ${concurrency}`);
  const phones = new OwnerPhones(path.provider, units.owners.slice(0, concurrency), { thinkMs });
  phones.start();
  const timelines = [];
  const failures = {};
  let next = 0;
  const started = now();
  const worker = async (w) => {
    const client = units.clients[w];
    const owner = units.owners[w];
    if (thinkMs > 0) await sleep(Math.random() * thinkMs);
    while (next < flows) {
      const n = next++;
      const bindingMessage = `PAIR ${tag} ${n}`;
      const t0 = now();
      let tAck;
      try {
        const handle = client.requestOwnerVerification({
          loginHint: owner.loginHint,
          bindingMessage,
          scope: 'openid',
          signal: AbortSignal.timeout(timeoutMs),
        });
        handle.once('ack', () => (tAck = now()));
        const tokens = await handle.result;
        const tTokens = now();
        if (!tokens.accessToken || !tokens.claims?.sub) throw Object.assign(new Error('no tokens'), { code: 'empty' });
        timelines.push({
          bindingMessage,
          requestId: handle.requestId,
          t0,
          tAck,
          tResult: client.resultArrivals.get(handle.requestId),
          tTokens,
        });
        client.resultArrivals.delete(handle.requestId);
      } catch (err) {
        const key = err.code ?? 'other';
        failures[key] = (failures[key] ?? 0) + 1;
        if (Object.values(failures).reduce((a, b) => a + b, 0) <= 5) console.error(`pairing ${n}: ${err.stack ?? err}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const finished = now();
  await phones.stop();
  for (const t of timelines) {
    const approval = phones.approvals.get(t.bindingMessage);
    t.tApproveSent = approval?.sentAt;
    t.tApproveDone = approval?.doneAt;
  }
  return {
    wallMs: finished - started,
    completed: timelines.length,
    failed: failures,
    ownerPhoneErrors: phones.errors,
    timelines,
  };
}

function distribution(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
}

/**
 * Step latencies in ms, all on the load generator's clock:
 * - requestToAck: requestOwnerVerification() called -> the bridge relays the provider's ack
 * - approveCall: the owner's approve call sent -> its response
 * - approvalToResult: approve call sent -> `replies/result` reaches the head-unit
 * - decryptVerify: result reached the head-unit -> the library resolves (JWE decrypted, ID token verified)
 * - approvalToTokens: approve call sent -> the library resolves (the target's measure)
 * - approvalResponseToTokens: approve call's response received -> the library resolves
 * - pairing: requestOwnerVerification() called -> the library resolves
 */
export function pairingSteps(timelines) {
  const pick = (fn) => timelines.map(fn);
  const diff = (a, b) => (a === undefined || b === undefined ? undefined : b - a);
  return {
    requestToAck: distribution(pick((t) => diff(t.t0, t.tAck))),
    approveCall: distribution(pick((t) => diff(t.tApproveSent, t.tApproveDone))),
    approvalToResult: distribution(pick((t) => diff(t.tApproveSent, t.tResult))),
    decryptVerify: distribution(pick((t) => diff(t.tResult, t.tTokens))),
    approvalToTokens: distribution(pick((t) => diff(t.tApproveSent, t.tTokens))),
    approvalResponseToTokens: distribution(pick((t) => diff(t.tApproveDone, t.tTokens))),
    pairing: distribution(pick((t) => diff(t.t0, t.tTokens))),
  };
}
