import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, runCli } from './run-cli';

describe('admin CLI', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'onboard-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, LOG_LEVEL: 'error' };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env });
    return { code, stdout, stderr };
  }

  it('prints the usage and fails with exit code 2 for an unknown command', async () => {
    const result = await cli('owners', 'explode');
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toContain('unknown command: owners explode');
    expect(result.stderr).toContain('usage: npm run admin');
  });

  it('refuses unknown options and wrong argument counts with exit code 2', async () => {
    expect((await cli('owners', 'add', '--colour', 'red')).code).toBe(EXIT.usage);
    expect((await cli('owners', 'set-user-code', 'only-sub')).code).toBe(EXIT.usage);
    expect((await cli('owners', 'add')).code).toBe(EXIT.usage);
  });

  it('names the bad variable and exits 3 on a bad configuration', async () => {
    env.DATABASE_URL = 'mysql://nope';
    const result = await cli('owners', 'list');
    expect(result.code).toBe(EXIT.config);
    expect(result.stderr).toContain('DATABASE_URL');
  });

  it('names DATABASE_URL and the cause, without a stack, when the database cannot be opened', async () => {
    env.DATABASE_URL = `sqlite:${dir}`;
    const result = await cli('owners', 'list');
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toBe(
      `error: DATABASE_URL: cannot open the SQLite file ${dir}: unable to open database file (SQLITE_CANTOPEN)\n`,
    );
  });

  it('adds an owner, lists it, sets a user code and adds a device whose credential is printed once', async () => {
    const added = await cli('owners', 'add', '--email', 'alice@example.com', '--name', 'Alice', '--sub', 'alice');
    expect(added).toMatchObject({ code: EXIT.ok, stdout: 'sub: alice\n' });

    expect((await cli('owners', 'set-user-code', 'alice', '4711')).code).toBe(EXIT.ok);

    const listed = await cli('owners', 'list');
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.stdout).toMatch(/alice\s+alice@example\.com\s+Alice\s+set\s+active/);
    expect(listed.stdout).not.toContain('4711');

    const device = await cli('owners', 'add-device', 'alice', '--name', 'Pixel');
    expect(device.code).toBe(EXIT.ok);
    expect(device.stdout).toMatch(/^device_id: \S+\ncredential: [A-Za-z0-9_-]{40,} /);
  });

  it('disables and enables an owner, and fails with exit code 1 for an unknown one', async () => {
    await cli('owners', 'add', '--email', 'carol@example.com', '--sub', 'carol');
    const disabled = await cli('owners', 'disable', 'carol');
    expect(disabled).toMatchObject({ code: EXIT.ok, stdout: expect.stringContaining('owner carol disabled') });
    expect((await cli('owners', 'list')).stdout).toMatch(/carol\s+carol@example\.com\s+disabled/);
    const enabled = await cli('owners', 'enable', 'carol');
    expect(enabled).toMatchObject({ code: EXIT.ok, stdout: expect.stringContaining('owner carol enabled') });
    expect((await cli('owners', 'list')).stdout).toMatch(/carol\s+carol@example\.com\s+active/);
    const unknown = await cli('owners', 'disable', 'nobody');
    expect(unknown.code).toBe(EXIT.failed);
    expect(unknown.stderr).toContain('not_found');
  });

  it('reports a duplicate owner as a failure with exit code 1', async () => {
    await cli('owners', 'add', '--email', 'bob@example.com');
    const again = await cli('owners', 'add', '--email', 'bob@example.com');
    expect(again.code).toBe(EXIT.failed);
    expect(again.stderr).toContain('error: conflict');
  });

  it('fails with exit code 1 for a device of an unknown owner', async () => {
    const result = await cli('owners', 'add-device', 'nobody');
    expect(result.code).toBe(EXIT.failed);
    expect(result.stderr).toContain('not_found');
  });

  it('rotates the signing keys and keeps the old ones listed as retired', async () => {
    const before = await cli('keys', 'list');
    expect(before.stdout.match(/\bactive\b/g)).toHaveLength(2);
    const rotated = await cli('keys', 'rotate');
    expect(rotated.code).toBe(EXIT.ok);
    expect(rotated.stdout).toMatch(/^new active keys: \S+, \S+/);
    const after = await cli('keys', 'list');
    expect(after.stdout.match(/\bactive\b/g)).toHaveLength(2);
    expect(after.stdout.match(/\bretired\b/g)).toHaveLength(2);
    expect(after.stdout).not.toMatch(/"d"/);
  });

  it('registers a client from --json, prints its secret once and lists and disables it', async () => {
    const metadata = {
      client_name: 'Kiosk',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['urn:openid:params:grant-type:ciba'],
      backchannel_token_delivery_mode: 'poll',
    };
    const registered = await cli('clients', 'register', '--json', JSON.stringify(metadata));
    expect(registered.code).toBe(EXIT.ok);
    const clientId = /^client_id: (\S+)$/m.exec(registered.stdout)?.[1];
    const secret = /^client_secret: (\S+) /m.exec(registered.stdout)?.[1];
    expect(clientId).toBeDefined();
    expect(secret).toBeDefined();

    const listed = await cli('clients', 'list');
    expect(listed.stdout).toMatch(new RegExp(`${clientId}\\s+Kiosk\\s+client_secret_basic\\s+poll\\s+active`));
    expect(listed.stdout).not.toContain(secret);

    expect((await cli('clients', 'disable', clientId as string)).code).toBe(EXIT.ok);
    expect((await cli('clients', 'list')).stdout).toMatch(/\bdisabled\b/);
  });

  it('refuses client metadata that is not JSON, and invalid metadata', async () => {
    expect((await cli('clients', 'register', '--json', '{nope')).code).toBe(EXIT.usage);
    expect((await cli('clients', 'register')).code).toBe(EXIT.usage);
    const invalid = await cli('clients', 'register', '--json', '{"backchannel_token_delivery_mode":"carrier-pigeon"}');
    expect(invalid.code).toBe(EXIT.failed);
    expect(invalid.stderr).toContain('invalid_client_metadata');
  });

  it('lists no clients on a fresh database and fails to disable an unknown one', async () => {
    expect((await cli('clients', 'list')).stdout).toMatch(/^CLIENT_ID\s+NAME\s+AUTH\s+MODE\s+STATUS\n$/);
    const disabled = await cli('clients', 'disable', 'ghost');
    expect(disabled.code).toBe(EXIT.failed);
  });
});
