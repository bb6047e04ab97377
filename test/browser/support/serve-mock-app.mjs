#!/usr/bin/env node
// Builds the owner app from its current sources into a temporary directory and serves
// it with `vite preview` and the in-memory mock of the owner-device API
// (apps/owner-app/mock), on localhost and an ephemeral port. Prints one JSON line,
// {"url": "http://localhost:PORT/app/"}, once it listens; stops on SIGTERM or when
// its parent closes stdin. Started by test/browser/support/mock-app.ts: Vite is
// ESM-only, so it runs in a process of its own rather than inside Jest.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

const configFile = fileURLToPath(new URL('../../../apps/owner-app/vite.config.mts', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'onboard-owner-app-'));
const cleanup = () => rmSync(outDir, { recursive: true, force: true });

try {
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true, reportCompressedSize: false } });
  const server = await preview({
    configFile,
    logLevel: 'error',
    build: { outDir },
    preview: { port: 0, host: 'localhost', strictPort: false },
  });
  const stop = async () => {
    await server.close().catch(() => undefined);
    cleanup();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(JSON.stringify({ url: server.resolvedUrls.local[0] }) + '\n');
} catch (error) {
  cleanup();
  process.stderr.write(`owner app build or preview failed: ${error?.stack ?? error}\n`);
  process.exit(1);
}
