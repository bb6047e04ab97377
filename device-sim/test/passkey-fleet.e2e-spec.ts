import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedTarget, type Target } from '../src/target';
import { sim } from './sim-io';

describe('device-sim owners on the passkey path against a running deployment', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let target: Target;
  let targetArgs: string[];
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'device-sim-passkey-'));
    target = await startEmbeddedTarget();
    targetArgs = [
      '--provider-url',
      target.providerUrl,
      '--bridge-admin-url',
      target.bridgeAdminUrl,
      '--mqtt-url',
      target.mqttUrl,
    ];
    env = { ADMIN_TOKEN: target.providerAdminToken, BRIDGE_ADMIN_TOKEN: target.bridgeAdminToken };
  });
  afterAll(async () => {
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrols each owner a passkey once; later runs sign in with the one the fleet file keeps', async () => {
    const fleetFile = join(dir, 'fleet.json');
    const provisioned = await sim(
      ['provision', '--cars', '3', '--owners', '2', '--out', fleetFile, ...targetArgs],
      env,
    );
    expect(provisioned.stderr).not.toContain('device-sim: Error');
    expect(provisioned.code).toBe(0);
    expect(statSync(fleetFile).mode & 0o777).toBe(0o600);
    const fleet = JSON.parse(readFileSync(fleetFile, 'utf8'));
    expect(fleet.owners).toHaveLength(2);
    for (const owner of fleet.owners) {
      expect(owner.credential).toBeUndefined(); // no device credential: the passkey is the phone's only secret
      expect(owner.passkey.origin).toBe(new URL(target.providerUrl.replace('127.0.0.1', 'localhost')).origin);
      expect(owner.passkey.credentials.credentials).toHaveLength(1);
    }

    for (const round of [1, 2]) {
      const run = await sim(
        [
          'run',
          '--fleet',
          fleetFile,
          ...targetArgs,
          '--count',
          '4',
          '--approve',
          '0.5',
          '--deny',
          '0.25',
          '--not-me',
          '0.25',
          '--report-dir',
          join(dir, `run-${round}`),
          '--json',
        ],
        env,
      );
      expect(run.stderr).not.toContain('device-sim: Error');
      expect(run.stderr).not.toContain('created'); // the owners and their passkeys are the fleet file's
      const report = JSON.parse(run.stdout);
      expect(report.outcomes).toEqual({ approved: 2, denied: 2, expired: 0, cancelled: 0, failed: 0 });
      expect(report.id_token_acr).toEqual({ 'urn:onboard:acr:passkey': 2 });
      expect(run.code).toBe(0);
    }
  });

  it('refuses a fleet of the other owner path with a message naming the flag', async () => {
    const fleetFile = join(dir, 'bearer-fleet.json');
    const provisioned = await sim(
      ['provision', '--cars', '1', '--owner-path', 'bearer', '--out', fleetFile, ...targetArgs],
      env,
    );
    expect(provisioned.code).toBe(0);
    expect(JSON.parse(readFileSync(fleetFile, 'utf8')).owners[0].credential).toEqual(expect.any(String));
    const run = await sim(['run', '--fleet', fleetFile, ...targetArgs, '--report-dir', join(dir, 'refused')], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('has no passkey in the fleet file: run with --owner-path bearer');
    expect(run.stderr).not.toContain('connecting'); // refused before any car connects

    const bearer = await sim(
      [
        'run',
        '--fleet',
        fleetFile,
        '--owner-path',
        'bearer',
        ...targetArgs,
        '--report-dir',
        join(dir, 'bearer'),
        '--json',
      ],
      env,
    );
    expect(bearer.code).toBe(0);
    const report = JSON.parse(bearer.stdout);
    expect(report.owner_path).toBe('bearer');
    expect(report.outcomes.approved).toBe(1);
    expect(report.id_token_acr).not.toHaveProperty('urn:onboard:acr:passkey');
  });
});
