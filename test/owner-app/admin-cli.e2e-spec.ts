import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { PATHS } from '@onboard/ciba-core';
import { EXIT, runCli } from '../../apps/ciba-provider/src/cli/run-cli';
import { get } from '../support/http';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { authedPost, backchannel, bindingMessage, createOwner, registerClient } from '../support/fixtures';
import { OwnerAppSession, inviteOwner } from '../support/owner-app';

// The admin CLI's owner-app commands on a real SQLite database: invitations with a QR code,
// offline receipt verification, and the audit chain's verification naming an altered row.
describe('admin CLI: invitations, receipts, audit', () => {
  let p: TestProvider;
  let dir: string;
  let receiptFile: string;
  let jwksFile: string;

  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      env: p.env,
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    dir = makeTempDir();
    p = await startProvider({ databaseFile: join(dir, 'onboard.sqlite') });
    const client = await registerClient(p, {});
    const owner = await createOwner(p);
    const phone = new OwnerAppSession(p);
    expect((await phone.enrol((await inviteOwner(p, owner.sub)).token)).status).toBe(201);
    const bm = bindingMessage();
    const ack = await backchannel(p, client, { scope: 'openid', login_hint: owner.email, binding_message: bm });
    const entry = (await phone.pending()).find((r) => r.binding_message === bm);
    expect((await phone.approve(entry.id)).status).toBe(200);
    const res = await authedPost(p, client, '/receipts', { auth_req_id: ack.json.auth_req_id });
    receiptFile = join(dir, 'receipt.json');
    jwksFile = join(dir, 'jwks.json');
    writeFileSync(receiptFile, res.text);
    writeFileSync(jwksFile, (await get(p.at(PATHS.jwks))).text);
  });
  afterAll(async () => {
    await p?.close();
    removeTempDir(dir);
  });

  it('owners invite prints a one-time link and a QR code, and writes the PNG', async () => {
    const owner = await createOwner(p);
    const png = join(dir, 'invite.png');
    const { code, stdout } = await cli('owners', 'invite', owner.sub, '--png', png);
    expect(code).toBe(EXIT.ok);
    const url = /invitation: (\S+)/.exec(stdout)?.[1] ?? '';
    expect(url).toContain('/app/#/enrol/');
    expect(stdout).toContain('▄');
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect((await new OwnerAppSession(p).enrol(url.split('#/enrol/')[1])).status).toBe(201);
  });

  it('receipts verify accepts the receipt offline and names the check a tampered one fails', async () => {
    const ok = await cli('receipts', 'verify', receiptFile, '--jwks', jwksFile);
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.stdout).toContain('receipt valid');
    const { receipt } = JSON.parse(readFileSync(receiptFile, 'utf8'));
    const [h, body] = receipt.split('.');
    const tampered = join(dir, 'tampered.jws');
    writeFileSync(tampered, `${h}.${body}.${Buffer.alloc(64).toString('base64url')}`);
    const bad = await cli('receipts', 'verify', tampered, '--jwks', jwksFile);
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.stderr).toContain('provider_signature check failed');
  });

  it('audit verify passes on the intact chain and names the row altered in SQLite', async () => {
    const ok = await cli('audit', 'verify');
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.stdout).toMatch(/audit chain: \d+ entries, intact/);
    expect(ok.stdout).toContain('approval assertions: 1, all verify');
    expect(existsSync(p.databaseFile!)).toBe(true);
    const db = await new DataSource({ type: 'better-sqlite3', database: p.databaseFile! }).initialize();
    const [row] = (await db.query(`SELECT id FROM audit_events WHERE type = 'auth_request.approved'`)) as {
      id: string;
    }[];
    await db.query(`UPDATE audit_events SET type = 'auth_request.denied' WHERE id = ?`, [row.id]);
    await db.destroy();
    const broken = await cli('audit', 'verify');
    expect(broken.code).toBe(EXIT.failed);
    expect(broken.stderr).toContain(`(id ${row.id}): hash_mismatch`);
  });
});
