import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN_TOKENS_FILE_NAME, adminTokensFile, resolveAdminTokens } from './admin-tokens';

describe('admin tokens of the all-in-one start', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-tokens-'));
    file = path.join(dir, 'data', ADMIN_TOKENS_FILE_NAME);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps them beside the SQLite database, in ./data for PostgreSQL, and nowhere for an in-memory database', () => {
    expect(adminTokensFile('sqlite:./data/onboard.sqlite')).toBe(path.join('data', ADMIN_TOKENS_FILE_NAME));
    expect(adminTokensFile('sqlite:/var/lib/onboard/db.sqlite')).toBe(`/var/lib/onboard/${ADMIN_TOKENS_FILE_NAME}`);
    expect(adminTokensFile('postgres://onboard@db:5432/onboard')).toBe(path.join('data', ADMIN_TOKENS_FILE_NAME));
    expect(adminTokensFile('sqlite::memory:')).toBeUndefined();
  });

  it('generates missing tokens into a file only its owner can read, and reuses them on the next start', () => {
    const first = resolveAdminTokens({}, file);
    expect(first.source).toEqual({ ADMIN_TOKEN: 'generated', BRIDGE_ADMIN_TOKEN: 'generated' });
    expect(first.tokens.ADMIN_TOKEN).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.tokens.ADMIN_TOKEN).not.toBe(first.tokens.BRIDGE_ADMIN_TOKEN);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first.tokens);

    const second = resolveAdminTokens({}, file);
    expect(second.tokens).toEqual(first.tokens);
    expect(second.source).toEqual({ ADMIN_TOKEN: 'file', BRIDGE_ADMIN_TOKEN: 'file' });
    expect(second.warnings).toEqual([]);
  });

  it('lets the environment win, keeping the file for the token it does not set', () => {
    const kept = resolveAdminTokens({}, file).tokens;
    const resolved = resolveAdminTokens({ ADMIN_TOKEN: 'operator-chosen-token-0001' }, file);
    expect(resolved.tokens).toEqual({
      ADMIN_TOKEN: 'operator-chosen-token-0001',
      BRIDGE_ADMIN_TOKEN: kept.BRIDGE_ADMIN_TOKEN,
    });
    expect(resolved.source).toEqual({ ADMIN_TOKEN: 'environment', BRIDGE_ADMIN_TOKEN: 'file' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(kept);
  });

  it('adds a token missing from the file without changing the one it holds', () => {
    resolveAdminTokens({ BRIDGE_ADMIN_TOKEN: 'operator-chosen-token-0002' }, file);
    const before = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(before)).toEqual(['ADMIN_TOKEN']);
    const after = resolveAdminTokens({}, file);
    expect(after.source).toEqual({ ADMIN_TOKEN: 'file', BRIDGE_ADMIN_TOKEN: 'generated' });
    expect(after.tokens.ADMIN_TOKEN).toBe(before.ADMIN_TOKEN);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(after.tokens);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('generates without keeping anything when there is no file (in-memory database)', () => {
    const a = resolveAdminTokens({}, undefined);
    const b = resolveAdminTokens({}, undefined);
    expect(a.file).toBeUndefined();
    expect(a.tokens.ADMIN_TOKEN).not.toBe(b.tokens.ADMIN_TOKEN);
  });

  it('refuses a damaged file, naming it', () => {
    resolveAdminTokens({}, file);
    writeFileSync(file, '{not json');
    expect(() => resolveAdminTokens({}, file)).toThrow(`${file} is not valid JSON`);
    writeFileSync(file, JSON.stringify({ ADMIN_TOKEN: 'short' }));
    expect(() => resolveAdminTokens({}, file)).toThrow(`${file}: ADMIN_TOKEN must be at least 16 characters`);
  });

  it('warns when others can read the file', () => {
    resolveAdminTokens({}, file);
    chmodSync(file, 0o644);
    expect(resolveAdminTokens({}, file).warnings).toEqual([
      `${file} can be read by others (mode 0644): chmod 600 ${file}`,
    ]);
  });

  it('names the file it cannot use', () => {
    writeFileSync(path.join(dir, 'blocked'), 'a file where a directory should be');
    const inside = path.join(dir, 'blocked', ADMIN_TOKENS_FILE_NAME);
    expect(() => resolveAdminTokens({}, inside)).toThrow(`cannot read ${inside}: ENOTDIR`);
    const below = path.join(dir, 'blocked', 'data', ADMIN_TOKENS_FILE_NAME);
    expect(() => resolveAdminTokens({}, below)).toThrow(`cannot read ${below}: ENOTDIR`);
  });

  it('says where it could not save generated tokens', () => {
    // a directory where the temporary file would go: the write fails, the file is never half-written
    const target = path.join(dir, 'data', ADMIN_TOKENS_FILE_NAME);
    mkdirSync(`${target}.${process.pid}.tmp`, { recursive: true });
    expect(() => resolveAdminTokens({}, target)).toThrow(`cannot save the generated admin tokens to ${target}`);
    expect(existsSync(target)).toBe(false);
  });
});
