// Onboard's provider as a benchmark target, in a process of its own (forked by
// bench/run.mjs). It boots the compiled app (`npm run build` first) through
// createProviderApp({ env }) from dist/apps/ciba-provider/src/bootstrap.js, with the
// environment the parent chose (a temporary SQLite file, an admin token, a fixed port).
//
// Protocol with the parent (IPC): `{ type: 'configure', config: { bootstrap, env } }` ->
// `{ type: 'ready' }`; then `{ type: 'stats' }` / `{ type: 'stop' }` (lib/child-stats.mjs).
import { createRequire } from 'node:module';

import { serveStats } from './lib/child-stats.mjs';

const require = createRequire(import.meta.url);
let app;

serveStats(async () => {
  await app?.close?.();
});

process.on('message', async (message) => {
  if (message?.type !== 'configure') return;
  try {
    const { createProviderApp } = require(message.config.bootstrap);
    app = await createProviderApp({ env: message.config.env });
    await app.listen(Number(message.config.env.PORT), message.config.env.HOST);
    process.send({ type: 'ready' });
  } catch (err) {
    process.send({ type: 'failed', error: String(err?.stack ?? err) });
  }
});
