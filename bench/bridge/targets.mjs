// The vehicle path under test: Onboard's provider and the MQTT bridge, each booted from
// dist/ in a process of its own, on their SQLite defaults in a fresh temporary directory,
// set up the way an operator does it (owners through the provider's admin API, head-units
// through the bridge's admin API, which registers each at the provider too).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ProviderProcess } from '../lib/child.mjs';

const PROVIDER_SERVER = fileURLToPath(new URL('../onboard-server.mjs', import.meta.url));
const BRIDGE_SERVER = fileURLToPath(new URL('./bridge-server.mjs', import.meta.url));

/** A free TCP port on 127.0.0.1 (issuer and notification URL must name their ports up front). */
export async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

/** JSON over HTTP with a bearer token; throws on a status ≥ 300. */
export async function callJson(method, url, token, body, { contentType = 'application/json' } = {}) {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : {};
}

/** A child process with a memory/connection-count channel on top of the stats one. */
class BridgeProcess extends ProviderProcess {
  #seq = 0;

  /** RSS, heap and open descriptors of the bridge, after a full GC (`gc: true`). */
  async memory(gc = true) {
    const seq = ++this.#seq;
    const reply = this.waitFor(['memory'], 30_000, (m) => m.seq === seq);
    this.send({ type: 'memory', seq, gc });
    return (await reply).memory;
  }

  /** MQTT clients the embedded broker counts as connected. */
  async connected() {
    const seq = ++this.#seq;
    const reply = this.waitFor(['connected'], 10_000, (m) => m.seq === seq);
    this.send({ type: 'connected', seq });
    return (await reply).connected;
  }
}

/**
 * Starts the provider and the bridge (fresh SQLite files in one temporary directory).
 *
 * The bridge's per-address connection limits (BRIDGE_CONNECT_RATE_PER_IP,
 * BRIDGE_CONNECT_BURST_PER_IP; 10/s and 50 by default) would refuse a load generator that
 * connects thousands of head-units from one address, so they are raised for the run; every
 * other limit keeps its default.
 *
 * @param {{ root: string, bridgeProfileDir?: string, label?: string }} options
 */
export async function startVehiclePath({ root, bridgeProfileDir, label = 'run' }) {
  for (const file of [
    'dist/apps/ciba-provider/src/bootstrap.js',
    'dist/apps/mqtt-bridge/src/infra/create-bridge-app.js',
  ])
    if (!existsSync(resolve(root, file))) throw new Error(`${file} not found: run \`npm run build\` first`);
  const dataDir = mkdtempSync(join(tmpdir(), 'onboard-bridge-bench-'));
  const providerToken = randomBytes(24).toString('base64url');
  const bridgeToken = randomBytes(24).toString('base64url');
  const [providerPort, bridgeHttpPort, mqttPort] = [await freePort(), await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${providerPort}`;

  const provider = new ProviderProcess(PROVIDER_SERVER, {
    label: `provider ${label}`,
    env: { NODE_ENV: 'production' },
    cwd: root,
  });
  const stopped = [];
  const cleanup = async () => {
    await Promise.all(stopped.map((p) => p.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  stopped.push(provider);
  try {
    provider.send({
      type: 'configure',
      config: {
        root,
        env: {
          PORT: String(providerPort),
          HOST: '127.0.0.1',
          ISSUER: issuer,
          DATABASE_URL: `sqlite:${join(dataDir, 'onboard.sqlite')}`,
          ADMIN_TOKEN: providerToken,
          LOG_LEVEL: 'warn',
          // the bridge's notification endpoint is plain HTTP on loopback
          ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'true',
          // each head-unit asks its owner over and over: lift the per-client-and-owner rate (docs/limits.md)
          CLIENT_OWNER_REQUEST_LIMIT: '1000000',
        },
      },
    });
    const providerReady = await provider.waitFor(['ready', 'failed']);
    if (providerReady.type === 'failed') throw new Error(`provider failed to start: ${providerReady.error}`);

    // --expose-gc: memory is read after a full collection
    const execArgv = ['--expose-gc'];
    if (bridgeProfileDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', bridgeProfileDir);
    const bridgeEnv = {
      BRIDGE_HOST: '127.0.0.1',
      BRIDGE_MQTT_PORT: String(mqttPort),
      BRIDGE_HTTP_HOST: '127.0.0.1',
      BRIDGE_HTTP_PORT: String(bridgeHttpPort),
      BRIDGE_PUBLIC_URL: `http://127.0.0.1:${bridgeHttpPort}`,
      BRIDGE_DATABASE_URL: `sqlite:${join(dataDir, 'bridge.sqlite')}`,
      BRIDGE_ENCRYPTION_KEY_FILE: join(dataDir, 'bridge-encryption-keys.json'),
      BRIDGE_ADMIN_TOKEN: bridgeToken,
      PROVIDER_URL: issuer,
      PROVIDER_ADMIN_TOKEN: providerToken,
      // the benchmark connects every head-unit from 127.0.0.x: lift the per-address limits
      BRIDGE_CONNECT_RATE_PER_IP: '1000000',
      BRIDGE_CONNECT_BURST_PER_IP: '1000000',
      LOG_LEVEL: 'warn',
    };
    const startBridge = async () => {
      const child = new BridgeProcess(BRIDGE_SERVER, {
        label: `bridge ${label}`,
        env: { NODE_ENV: 'production' },
        execArgv,
        cwd: root,
      });
      stopped.push(child);
      child.send({ type: 'configure', config: { root, env: bridgeEnv } });
      const ready = await child.waitFor(['ready', 'failed']);
      if (ready.type === 'failed') throw new Error(`bridge failed to start: ${ready.error}`);
      return child;
    };
    const bridge = { process: await startBridge() };
    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    const jwks = await (await fetch(discovery.jwks_uri)).json();
    // the key head-units seal their requests to (docs/protocol.md §5a), as provisioning reads it
    const bridgeJwks = await (await fetch(`http://127.0.0.1:${bridgeHttpPort}/.well-known/jwks.json`)).json();
    return {
      dataDir,
      provider: { process: provider, issuer, adminToken: providerToken, discovery, jwks },
      bridge: Object.assign(bridge, {
        httpUrl: `http://127.0.0.1:${bridgeHttpPort}`,
        mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
        mqttPort,
        adminToken: bridgeToken,
        encryptionKey: bridgeJwks.keys.find((key) => key.use === 'enc'),
      }),
      /** Stops the bridge and starts it again on the same store and ports. */
      async restartBridge() {
        await bridge.process.stop();
        bridge.process = await startBridge();
      },
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * Creates `count` owners with one owner device each through the provider's admin API.
 * @returns {Promise<{ loginHint: string, deviceCredential: string }[]>}
 */
export async function createOwners(provider, count, tag) {
  const admin = (path, body) => callJson('POST', `${provider.issuer}/admin/v1${path}`, provider.adminToken, body);
  const owners = [];
  for (let i = 0; i < count; i++) {
    const email = `owner-${tag}-${i}@bench.example`;
    const owner = await admin('/owners', { email });
    const device = await admin(`/owners/${encodeURIComponent(owner.sub)}/devices`, { name: `phone ${i}` });
    owners.push({ loginHint: email, deviceCredential: device.credential });
  }
  return owners;
}

/**
 * Registers head-units through the bridge admin API's bulk import (`POST
 * /admin/v1/devices:import`, one JSON line per device), in batches so that no single request
 * runs into an HTTP timeout. Returns the wall time and the outcome counts.
 *
 * @param {{ device_id: string, jwks: object }[]} registrations
 */
export async function importDevices(bridge, registrations, { batch = 2000, onProgress } = {}) {
  const started = performance.now();
  const totals = { registered: 0, unchanged: 0, failed: 0 };
  let firstFailure;
  for (let i = 0; i < registrations.length; i += batch) {
    const lines = registrations
      .slice(i, i + batch)
      .map((r) => JSON.stringify(r))
      .join('\n');
    const res = await callJson('POST', `${bridge.httpUrl}/admin/v1/devices:import`, bridge.adminToken, lines, {
      contentType: 'application/x-ndjson',
    });
    totals.registered += res.registered;
    totals.unchanged += res.unchanged;
    totals.failed += res.failed;
    firstFailure ??= res.results.find((r) => r.outcome === 'failed');
    onProgress?.(Math.min(registrations.length, i + batch));
  }
  if (totals.failed) throw new Error(`import: ${totals.failed} failed, e.g. ${JSON.stringify(firstFailure)}`);
  return { ms: performance.now() - started, ...totals };
}
