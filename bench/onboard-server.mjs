// Onboard's provider as a benchmark target, in a process of its own (forked by
// bench/run.mjs). It boots the compiled app (`npm run build` first) through
// createProviderApp({ env }) from dist/apps/ciba-provider/src/bootstrap.js, with the
// environment the parent chose (a temporary SQLite file, an admin token, a fixed port).
//
// Protocol with the parent (IPC): `{ type: 'configure', config: { root, env } }` ->
// `{ type: 'ready', url, issuer }`; `{ type: 'setup', request }` -> `{ type: 'setup-done' }`
// (used only when the admin HTTP API is not available); then `{ type: 'stats' }` /
// `{ type: 'stop' }` (lib/child-stats.mjs).
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

import { serveStats } from './lib/child-stats.mjs';

const require = createRequire(import.meta.url);
let provider;
let root;

serveStats(async () => {
  await provider?.close();
});

/**
 * Registers the bench clients, owners and owner devices with the same library calls the
 * admin CLI makes (registerClient, createOwner, createOwnerDevice), on the running app's
 * context.
 */
async function setupInProcess({ clients, owners }) {
  const core = require(resolve(root, 'dist/libs/ciba-core/src/index.js'));
  const registered = {};
  for (const [mode, metadata] of Object.entries(clients)) {
    const { response } = await core.registerClient(provider.ctx, metadata, { skipInitialAccessToken: true });
    registered[mode] = { clientId: response.client_id, clientSecret: response.client_secret };
  }
  const devices = [];
  for (const { email, deviceName } of owners) {
    const owner = await core.createOwner(provider.ctx, { email });
    const { credential } = await core.createOwnerDevice(provider.ctx, { sub: owner.sub, name: deviceName });
    devices.push({ loginHint: email, deviceCredential: credential });
  }
  return { clients: registered, owners: devices };
}

process.on('message', async (message) => {
  try {
    if (message?.type === 'configure') {
      root = message.config.root;
      const { createProviderApp } = require(resolve(root, 'dist/apps/ciba-provider/src/bootstrap.js'));
      provider = await createProviderApp({ env: message.config.env, shutdownHooks: false });
      process.send({ type: 'ready', url: provider.url, issuer: provider.issuer });
    } else if (message?.type === 'setup') {
      process.send({ type: 'setup-done', result: await setupInProcess(message.request) });
    }
  } catch (err) {
    process.send({ type: 'failed', error: String(err?.stack ?? err) });
  }
});
