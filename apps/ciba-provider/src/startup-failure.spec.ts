import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createProviderApp } from './bootstrap';
import { startupFailure } from './startup-failure';

describe('startupFailure', () => {
  it('names DATABASE_URL, the database and the cause in one line when the database cannot be opened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onboard-start-'));
    try {
      const error = await createProviderApp({
        env: { PORT: '0', DATABASE_URL: `sqlite:${dir}`, LOG_LEVEL: 'silent' },
        shutdownHooks: false,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(startupFailure(error)).toBe(
        `start-up failed: DATABASE_URL: cannot open the SQLite file ${dir}: unable to open database file (SQLITE_CANTOPEN)\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a bad setting, and keeps the stack of anything unexpected', async () => {
    const bad = await createProviderApp({ env: { PORT: 'eighty' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(startupFailure(bad)).toBe("configuration error: PORT: expected an integer, got 'eighty'\n");
    const unexpected = new Error('boom');
    expect(startupFailure(unexpected)).toBe(`start-up failed: ${unexpected.stack}\n`);
  });
});
