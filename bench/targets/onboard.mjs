// Onboard's provider as a benchmark target: boots the built app in a child process on a
// fresh SQLite file in a temporary directory, then registers the bench clients, owners
// and owner devices through the admin API, as an operator would.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ProviderProcess } from '../lib/child.mjs';

const SERVER = fileURLToPath(new URL('../onboard-server.mjs', import.meta.url));

/** A free TCP port on 127.0.0.1 (the issuer must name the port before the app listens). */
async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

async function admin(issuer, adminToken, path, body) {
  const res = await fetch(`${issuer}/admin/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`admin POST ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** @returns {Promise<{ target: import('../load.mjs').Target, process: ProviderProcess }>} */
/**
 * `databaseUrl`: the database to run on (default: a fresh SQLite file in a temporary directory);
 * `env`: more provider settings.
 */
export async function startOnboard({ owners: ownerCount, pingPort, root, databaseUrl, env: extraEnv = {} }) {
  const bootstrap = resolve(root, 'dist/apps/ciba-provider/src/bootstrap.js');
  if (!existsSync(bootstrap)) throw new Error(`${bootstrap} not found: run \`npm run build\` first`);
  const dataDir = mkdtempSync(join(tmpdir(), 'onboard-bench-'));
  const adminToken = randomBytes(24).toString('base64url');
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: issuer,
    DATABASE_URL: databaseUrl ?? `sqlite:${join(dataDir, 'onboard.sqlite')}`,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'true',
    // One client asks each of the 50 owners some 16 times a second, far over the default of 10
    // requests per minute per client and owner (docs/limits.md); the limiter still counts each one.
    CLIENT_OWNER_REQUEST_LIMIT: '1000000',
    PASSKEY_SOURCE_LIMIT: '1000000',
    PASSKEY_OWNER_LIMIT: '1000000',
    // Diagnosis: BENCH_ONBOARD_ENV="CIBA_LONG_POLL_SECONDS=0 …" adds provider settings.
    ...Object.fromEntries(
      (process.env.BENCH_ONBOARD_ENV ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
    ...extraEnv,
  };
  const child = new ProviderProcess(SERVER, { label: 'onboard', env: { NODE_ENV: 'production' }, cwd: root });
  child.exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  child.send({ type: 'configure', config: { root, env } });
  const ready = await child.waitFor(['ready', 'failed']);
  if (ready.type === 'failed') throw new Error(`Onboard failed to start: ${ready.error}`);

  const clientMetadata = (mode) => ({
    client_name: `bench ${mode}`,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['urn:openid:params:grant-type:ciba'],
    backchannel_token_delivery_mode: mode,
    ...(mode === 'ping' ? { backchannel_client_notification_endpoint: `http://127.0.0.1:${pingPort}/ping` } : {}),
    // As node-oidc-provider's bench clients: both providers sign ID tokens with ES256.
    id_token_signed_response_alg: 'ES256',
  });
  const ownerSpecs = Array.from({ length: ownerCount }, (_, i) => ({
    email: `owner-${i}@bench.example`,
    deviceName: `bench device ${i}`,
  }));

  let clients;
  let owners;
  let setupVia;
  // Whether this build has the admin HTTP API: a query answered from an index (listing every
  // client would read them all, a million of them on the growth benchmark's databases).
  const adminApi = await fetch(`${issuer}/admin/v1/audit?sub=bench-probe&limit=1`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  await adminApi.arrayBuffer();
  if (adminApi.status !== 404) {
    // The operator's path: the admin HTTP API.
    setupVia = 'admin API';
    const register = async (mode) => {
      const registered = await admin(issuer, adminToken, '/clients', clientMetadata(mode));
      return { clientId: registered.client_id, clientSecret: registered.client_secret };
    };
    clients = { poll: await register('poll'), ping: await register('ping') };
    owners = [];
    for (const { email, deviceName } of ownerSpecs) {
      const owner = await admin(issuer, adminToken, '/owners', { email });
      const device = await admin(issuer, adminToken, `/owners/${encodeURIComponent(owner.sub)}/devices`, {
        name: deviceName,
      });
      owners.push({ loginHint: email, deviceCredential: device.credential });
    }
  } else {
    // No admin HTTP API in this build: the same library calls the admin CLI makes, in the
    // provider process (one CLI process per owner would take minutes).
    setupVia = 'admin library calls in process';
    child.send({
      type: 'setup',
      request: { clients: { poll: clientMetadata('poll'), ping: clientMetadata('ping') }, owners: ownerSpecs },
    });
    const done = await child.waitFor(['setup-done', 'failed']);
    if (done.type === 'failed') throw new Error(`Onboard setup failed: ${done.error}`);
    ({ clients, owners } = done.result);
  }
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  return {
    process: child,
    target: {
      name: 'Onboard',
      issuer,
      // The provider's SQLite file (WAL: readable while the provider runs), for diagnosis.
      databaseFile: databaseUrl === undefined ? join(dataDir, 'onboard.sqlite') : undefined,
      setupVia,
      backchannelEndpoint: discovery.backchannel_authentication_endpoint,
      tokenEndpoint: discovery.token_endpoint,
      ownerDeviceRequests: `${issuer}/owner-device/v1/requests`,
      clients,
      owners,
    },
  };
}
