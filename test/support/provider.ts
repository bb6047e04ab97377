import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PATHS } from '@onboard/ciba-core';
import { createProviderApp, type ProviderApp } from '../../apps/ciba-provider/src/bootstrap';
import type { ProviderOverrides } from '../../apps/ciba-provider/src/providers/provider-runtime';
import { closeHttpAgent, get } from './http';

type BootedApp = ProviderApp;

export interface StartOptions {
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** Use this SQLite file (for restart tests); default is a fresh temp file per provider. */
  databaseFile?: string;
  /** Use `sqlite::memory:` instead of a temp file. */
  inMemory?: boolean;
  /** Resolve outbound host names with this instead of the system resolver. */
  resolve?: ProviderOverrides['resolve'];
  /** Receive the provider's log lines (LOG_LEVEL applies; the default is silent). */
  logWrite?: (line: string) => void;
}

/** The limits the other tests run under (README, "Limits"); test/limits sets them back. */
export const RELAXED_LIMITS: Readonly<Record<string, string>> = {
  OWNER_PENDING_LIMIT: '100000',
  CLIENT_OWNER_REQUEST_LIMIT: '100000',
  AUTH_FAILURES_PER_SOURCE: '100000',
  PASSKEY_SOURCE_LIMIT: '100000',
  PASSKEY_OWNER_LIMIT: '100000',
};

/** The limits at their defaults (for {@link StartOptions.env}). */
export const DEFAULT_LIMITS_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  Object.keys(RELAXED_LIMITS).map((name) => [name, '']),
);

/** A provider booted in-process for a test file. */
export interface TestProvider {
  /** Base URL (the issuer, once discovery confirms it). */
  url: string;
  issuer: string;
  adminToken: string;
  initialAccessToken: string;
  env: Record<string, string>;
  databaseFile?: string;
  /** Absolute URL of an endpoint path (PATHS value). */
  at(path: string): string;
  discovery: Record<string, any>;
  close(): Promise<void>;
  booted: BootedApp;
}

/** A temp directory for SQLite files; removed by `removeTempDir`. */
export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'onboard-test-'));
}
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Boot the provider on 127.0.0.1 port 0 with test defaults: silent logs, fast
 * polling (1 s interval, no long poll unless asked), loopback http notifications
 * allowed, short retry backoff, an admin token and one initial access token.
 */
export async function startProvider(options: StartOptions = {}): Promise<TestProvider> {
  const adminToken = 'admin-' + randomBytes(16).toString('hex');
  const initialAccessToken = 'iat-' + randomBytes(16).toString('hex');
  let tempDir: string | undefined;
  let databaseFile = options.databaseFile;
  if (!options.inMemory && databaseFile === undefined) {
    tempDir = makeTempDir();
    databaseFile = join(tempDir, 'onboard.sqlite');
  }
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: options.inMemory ? 'sqlite::memory:' : `sqlite:${databaseFile}`,
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: adminToken,
    INITIAL_ACCESS_TOKENS: initialAccessToken,
    ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'true',
    CIBA_POLL_INTERVAL: '1',
    CIBA_LONG_POLL_SECONDS: '0',
    NOTIFICATION_BACKOFF_MS: '50',
    NOTIFICATION_MAX_ATTEMPTS: '4',
    NOTIFICATION_TIMEOUT_MS: '2000',
    // Most tests place many requests for one owner from one client, and some send many
    // wrong credentials from 127.0.0.1: the limits are relaxed here, and test/limits runs
    // them at their defaults (an empty value is unset: the default applies).
    ...RELAXED_LIMITS,
    ...options.env,
  };
  const booted = await createProviderApp({
    env,
    shutdownHooks: false,
    resolve: options.resolve,
    logWrite: options.logWrite,
  });
  const url = booted.url.replace(/\/+$/, '');
  const res = await get(url + PATHS.discovery);
  const issuer: string = booted.issuer;
  return {
    url,
    issuer,
    adminToken: env.ADMIN_TOKEN,
    initialAccessToken: env.INITIAL_ACCESS_TOKENS.split(/[\s,]+/)[0],
    env,
    databaseFile,
    at: (path: string) => url + path,
    discovery: res.status === 200 ? res.json : {},
    booted,
    close: async () => {
      closeHttpAgent();
      await booted.close();
      if (tempDir && options.databaseFile === undefined) removeTempDir(tempDir);
    },
  };
}
