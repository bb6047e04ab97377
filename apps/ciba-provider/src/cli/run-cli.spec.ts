import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyEncryptionKeyId } from '@onboard/ciba-core';
import { EXIT, runCli } from './run-cli';

describe('admin CLI', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onboard-cli-'));
    env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, LOG_LEVEL: 'error' };
    expect((await cli('keys', 'list', '--create')).code).toBe(EXIT.ok);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env });
    return { code, stdout, stderr };
  }

  /** The KEK ids of a key file, first (current) first. */
  const fileKekIds = (file: string) =>
    Promise.all(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => keyEncryptionKeyId(Buffer.from(line, 'base64'))),
    );
  /** The WRAPPED_UNDER column of `keys list`. */
  const wrappedUnder = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/).at(-1));

  it("changes a client's branding, refusing an unknown field and a bad value by name", async () => {
    const registered = await cli(
      'clients',
      'register',
      '--json',
      '{"client_id":"desk-3","client_name":"Desk","token_endpoint_auth_method":"client_secret_basic","backchannel_token_delivery_mode":"poll"}',
    );
    expect(registered.code).toBe(EXIT.ok);
    const updated = await cli(
      'clients',
      'branding',
      'desk-3',
      '--json',
      '{"client_name":"Counter 3","onboard_branding":{"primary_color":"#0b5fff"},"onboard_approval_receipts":true}',
    );
    expect(updated.code).toBe(EXIT.ok);
    expect(updated.stdout).toContain('branding updated: client_name, onboard_approval_receipts, onboard_branding');
    expect(JSON.parse(updated.stdout.trim().split('\n').at(-1)!)).toEqual({
      client_name: 'Counter 3',
      onboard_branding: { primary_color: '#0b5fff' },
      onboard_approval_receipts: true,
    });
    const unknown = await cli('clients', 'branding', 'desk-3', '--json', '{"colour":"red"}');
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toMatch(/unknown field 'colour'/);
    const bad = await cli('clients', 'branding', 'desk-3', '--json', '{"logo_uri":"ftp://x"}');
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.stderr).toMatch(/logo_uri must be an https URL/);
  });

  it('names the database it opens on stderr and refuses to create one without --create', async () => {
    env.DATABASE_URL = `sqlite:${join(dir, 'elsewhere', 'typo.sqlite')}`;
    const refused = await cli('keys', 'list');
    expect(refused.code).toBe(EXIT.config);
    expect(refused.stderr).toContain(`database: sqlite:${join(dir, 'elsewhere', 'typo.sqlite')}\n`);
    expect(refused.stderr).toContain('no such database file; check DATABASE_URL, or pass --create');
    expect(refused.stdout).toBe('');
    expect(existsSync(join(dir, 'elsewhere'))).toBe(false);

    const created = await cli('keys', 'list', '--create');
    expect(created.code).toBe(EXIT.ok);
    expect(created.stderr).toContain(`database: sqlite:${join(dir, 'elsewhere', 'typo.sqlite')}`);
    const existing = await cli('owners', 'list');
    expect(existing.code).toBe(EXIT.ok);
  });

  it('keeps one RS256, ES256 and PS256 key and a request-object encryption key, each wrapped under the KEK of the 0600 key file', async () => {
    const kekFile = join(dir, 'onboard.kek');
    expect(statSync(kekFile).mode & 0o777).toBe(0o600);
    const [kekId] = await fileKekIds(kekFile);
    const listed = await cli('keys', 'list');
    expect(
      listed.stdout
        .match(/\b(sig|enc)\s+(RS256|ES256|PS256|ECDH-ES\+A256KW)\s+active/g)
        ?.map((m) => m.split(/\s+/).slice(0, 2).join(' '))
        .sort(),
    ).toEqual(['enc ECDH-ES+A256KW', 'sig ES256', 'sig PS256', 'sig RS256']);
    expect(wrappedUnder(listed.stdout)).toEqual([kekId, kekId, kekId, kekId]);
  });

  it('rotates the key-encryption key: re-wraps every key, keeps only the new KEK in the file', async () => {
    const kekFile = join(dir, 'onboard.kek');
    const [oldId] = await fileKekIds(kekFile);
    await cli('keys', 'rotate'); // retired keys are re-wrapped as well
    const rotated = await cli('keys', 'rotate-kek');
    expect(rotated.code).toBe(EXIT.ok);
    const newIds = await fileKekIds(kekFile);
    expect(newIds).toHaveLength(1);
    expect(newIds[0]).not.toBe(oldId);
    expect(statSync(kekFile).mode & 0o777).toBe(0o600);
    expect(rotated.stdout).toContain(`key-encryption key: ${newIds[0]}\n`);
    expect(rotated.stdout).toContain('re-wrapped signing keys: 6\n');
    expect(rotated.stdout).toContain('re-wrapped encryption keys: 2\n');
    expect(rotated.stdout).toContain(`previous key(s) ${oldId} removed`);
    const listed = await cli('keys', 'list');
    expect(listed.code).toBe(EXIT.ok);
    expect(wrappedUnder(listed.stdout)).toEqual(Array(8).fill(newIds[0]));
  });

  it('re-wraps under the first KEY_ENCRYPTION_KEY and says which old key can go', async () => {
    const oldKek = readFileSync(join(dir, 'onboard.kek'), 'utf8').trim();
    const oldId = await keyEncryptionKeyId(Buffer.from(oldKek, 'base64'));
    const newKek = randomBytes(32);
    env.KEY_ENCRYPTION_KEY = `${newKek.toString('base64')},${oldKek}`;
    const rotated = await cli('keys', 'rotate-kek');
    expect(rotated.code).toBe(EXIT.ok);
    expect(rotated.stdout).toContain(`no stored key needs ${oldId} any more: remove it from KEY_ENCRYPTION_KEY`);
    env.KEY_ENCRYPTION_KEY = newKek.toString('base64');
    const listed = await cli('keys', 'list');
    expect(listed.code).toBe(EXIT.ok);
    expect(wrappedUnder(listed.stdout)).toEqual(Array(4).fill(await keyEncryptionKeyId(newKek)));
  });

  it('stops, naming the variable and the KEK, when the key file is gone but the keys are wrapped', async () => {
    const [kekId] = await fileKekIds(join(dir, 'onboard.kek'));
    rmSync(join(dir, 'onboard.kek'));
    const result = await cli('keys', 'list');
    expect(result.code).toBe(EXIT.config);
    expect(result.stderr).toContain('configuration error: KEY_ENCRYPTION_KEY_FILE:');
    expect(result.stderr).toContain(`wrapped under key-encryption key ${kekId}`);
    expect(existsSync(join(dir, 'onboard.kek'))).toBe(false);
  });

  it('stops, naming the variable and the KEK, when KEY_ENCRYPTION_KEY is not the key the keys are wrapped under', async () => {
    const [kekId] = await fileKekIds(join(dir, 'onboard.kek'));
    env.KEY_ENCRYPTION_KEY = randomBytes(32).toString('base64');
    const result = await cli('keys', 'list');
    expect(result.code).toBe(EXIT.config);
    expect(result.stderr).toContain('configuration error: KEY_ENCRYPTION_KEY: signing key ');
    expect(result.stderr).toContain(`wrapped under key-encryption key ${kekId}, which is not configured`);
  });

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
    // The database named first (as for every command), then the one-line error; LOG_LEVEL=error
    // keeps the warning about /tmp, the directory of this "file", out.
    expect(result.stderr).toBe(
      `database: sqlite:${dir}\n` +
        `error: DATABASE_URL: cannot open the SQLite file ${dir}: unable to open database file (SQLITE_CANTOPEN)\n`,
    );
  });

  it('shows warnings on stderr, but no info lines, unless LOG_LEVEL asks for errors only', async () => {
    chmodSync(dir, 0o755); // the database directory is open to other users
    env.LOG_LEVEL = 'info';
    const warned = await cli('owners', 'list');
    expect(warned.code).toBe(EXIT.ok);
    expect(warned.stderr).toContain('"msg":"the database directory is open to other users"');
    expect(warned.stderr).not.toContain('"level":"info"');
    env.LOG_LEVEL = 'error';
    const quiet = await cli('owners', 'list');
    expect(quiet.code).toBe(EXIT.ok);
    expect(quiet.stderr).toBe(`database: ${env.DATABASE_URL}\n`);
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

  it('rotates the signing keys and the encryption key and keeps the old ones listed as retired', async () => {
    const before = await cli('keys', 'list');
    expect(before.stdout.match(/\bactive\b/g)).toHaveLength(4);
    const rotated = await cli('keys', 'rotate');
    expect(rotated.code).toBe(EXIT.ok);
    expect(rotated.stdout).toMatch(/^new active keys: \S+, \S+, \S+\n/);
    const encKid = /^new request-object encryption key: (\S+)$/m.exec(rotated.stdout)?.[1];
    expect(rotated.stdout).toContain('the previous one is no longer published and decrypts for 24 more hours');
    const after = await cli('keys', 'list');
    expect(after.stdout.match(/\bactive\b/g)).toHaveLength(4);
    expect(after.stdout.match(/\bretired\b/g)).toHaveLength(4);
    expect(after.stdout).toMatch(new RegExp(`^${encKid}\\s+enc\\s+ECDH-ES\\+A256KW\\s+active\\b`, 'm'));
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
    const unsigned = await cli(
      'clients',
      'register',
      '--json',
      '{"backchannel_token_delivery_mode":"poll","id_token_signed_response_alg":"none"}',
    );
    expect(unsigned.code).toBe(EXIT.failed);
    expect(unsigned.stderr).toContain(
      "error: invalid_client_metadata: id_token_signed_response_alg must be one of RS256, ES256, PS256, got 'none'",
    );
  });

  it('lists no clients on a fresh database and fails to disable an unknown one', async () => {
    expect((await cli('clients', 'list')).stdout).toMatch(/^CLIENT_ID\s+NAME\s+AUTH\s+MODE\s+STATUS\n$/);
    const disabled = await cli('clients', 'disable', 'ghost');
    expect(disabled.code).toBe(EXIT.failed);
  });
});
