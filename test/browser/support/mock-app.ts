import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The owner app, built from its sources and served with its in-memory mock provider. */
export interface MockApp {
  /** The app's URL, `http://localhost:PORT/app/` (localhost: an IP address is no WebAuthn RP ID). */
  url: string;
  origin: string;
  /** Calls a helper of the mock under `/__mock/` (invitations, new requests, status changes). */
  mock(path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

/**
 * Builds the owner app into a temporary directory and serves it with `vite preview` and
 * the mock of the owner-device API, in a child process (Vite is ESM-only). About 5 s.
 */
export async function startMockApp(): Promise<MockApp> {
  const script = join(__dirname, 'serve-mock-app.mjs');
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{"url"')) return;
      resolve(JSON.parse(line).url);
    });
    child.once('exit', (code) => reject(new Error(`the owner app server exited (${code}): ${stderr}`)));
  });
  const origin = new URL(url).origin;
  return {
    url,
    origin,
    async mock(path, body = {}) {
      const res = await fetch(`${origin}/__mock${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`mock ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    close: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin!.end();
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
