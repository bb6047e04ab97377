import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { sim } from './sim-io';

const CHROMIUM = '/usr/bin/chromium';
const schema = JSON.parse(readFileSync(join(__dirname, '..', 'report.schema.json'), 'utf8'));

describe('device-sim run against the embedded Onboard', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let mixed: { code: number; stdout: string; stderr: string };
  let report: any;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'device-sim-test-'));
    // 20 flows: 10 approve, 3 deny, 1 "wasn't me", 3 ignore, 3 cancel (exact shares); some approving
    // cars go offline before the approval, repeat flows of paired cars ask with id_token_hint.
    mixed = await sim([
      'run',
      '--cars',
      '8',
      '--count',
      '20',
      '--concurrency',
      '8',
      '--approve',
      '0.5',
      '--deny',
      '0.15',
      '--not-me',
      '0.05',
      '--ignore',
      '0.15',
      '--cancel',
      '0.15',
      '--answer-delay',
      'fixed:20',
      '--expiry',
      '2',
      '--offline',
      '0.3',
      '--offline-for',
      '600ms',
      '--reverify',
      '0.5',
      '--report-dir',
      dir,
      '--json',
      '--expect-success-rate',
      '0.99',
      '--max-p99',
      'end_to_end=60s',
      '--max-p99',
      'approval_to_tokens=0.001ms',
    ]);
    report = JSON.parse(mixed.stdout);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ends each flow as the scenario asked: the count of each outcome is what its share asked for', () => {
    expect(mixed.stderr).not.toContain('device-sim: Error');
    expect(report.flows).toBe(20);
    expect(report.outcomes).toEqual({ approved: 10, denied: 4, expired: 3, cancelled: 3, failed: 0 });
    expect(report.as_expected).toBe(20);
    expect(report.phases.approval_to_tokens.count).toBe(10);
    expect(report.phases.end_to_end.count).toBe(10);
    expect(report.phases.owner_notified.count).toBe(20);
    expect(report.reconnects.dropped).toBeGreaterThan(0); // the offline cars lost their link and came back
  });

  it('approves on the passkey path by default: every ID token carries acr urn:onboard:acr:passkey', () => {
    expect(report.owner_path).toBe('passkey');
    expect(report.id_token_acr).toEqual({ 'urn:onboard:acr:passkey': 10 });
    expect(mixed.stderr).toMatch(/created 8 owners with their phones \(passkey\)/);
  });

  it('writes report.json valid against its schema, with the phases and outcomes named as documented', () => {
    const written = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    validate(written);
    expect(validate.errors ?? []).toEqual([]);
    expect(Object.keys(written.phases)).toEqual(['acknowledged', 'owner_notified', 'approval_to_tokens', 'end_to_end']);
    expect(Object.keys(written.outcomes)).toEqual(['approved', 'denied', 'expired', 'cancelled', 'failed']);
    expect(written.timeline.length).toBeGreaterThan(1);
    expect(written.scenario.owners).toEqual({ approve: 0.5, deny: 0.15, not_me: 0.05, ignore: 0.15, cancel: 0.15 });
    expect(written.machine.cpus).toBeGreaterThan(0);
    // no secret of the fleet in the report
    expect(JSON.stringify(written)).not.toMatch(/"d":|credential|refresh_token|privateKey|onboard_session/);
  });

  it('writes a self-contained report.html whose charts render in headless Chromium', async () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing fetched from outside
    expect(html).toContain('approval_to_tokens');
    if (!existsSync(CHROMIUM)) {
      console.log(`skipped the rendering check: no ${CHROMIUM} on this machine (apt-get install chromium)`);
      return;
    }
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${join(dir, 'report.html')}`],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    // 4 latency histograms, throughput/in flight, connected cars, outcomes
    expect(stdout).toMatch(/<body[^>]*data-charts="7"/);
    expect((stdout.match(/<canvas/g) ?? []).length).toBe(7);
  });

  it('prints plain progress lines, not a bar, when stderr is not a terminal', () => {
    expect(mixed.stderr).toMatch(
      /^\[ +\d+s\] flows \d+\/20 approved \d+ denied \d+ expired \d+ cancelled \d+ failed \d+/m,
    );
    expect(mixed.stderr).not.toContain(String.fromCharCode(27)); // no ANSI escape
    expect(mixed.stderr).not.toMatch(/[█░]/);
  });

  it('exits 1 naming the failed check, and reports the checks that passed', () => {
    expect(mixed.code).toBe(1);
    expect(report.checks).toEqual([
      { check: 'success rate >= 0.99', passed: true, actual: '1.0000' },
      { check: 'p99 end_to_end <= 60000 ms', passed: true, actual: expect.stringMatching(/ ms$/) },
      { check: 'p99 approval_to_tokens <= 0.001 ms', passed: false, actual: expect.stringMatching(/ ms$/) },
    ]);
    expect(mixed.stderr).toContain('failed check: p99 approval_to_tokens <= 0.001 ms');
  });

  it('exits 0 when every check passes', async () => {
    const happy = await sim([
      'run',
      '--cars',
      '2',
      '--count',
      '2',
      '--report-dir',
      join(dir, 'happy'),
      '--expect-success-rate',
      '1',
      '--max-p99',
      'approval_to_tokens=30s',
    ]);
    expect(happy.stderr).toContain('reports:');
    expect(happy.code).toBe(0);
    expect(happy.stdout).toMatch(/check passed: success rate >= 1/);
  });

  it('survives a reconnect storm and refresh waves: every flow approved, every refresh answered', async () => {
    const stormy = await sim([
      'run',
      '--cars',
      '4',
      '--count',
      '12',
      '--concurrency',
      '2',
      '--answer-delay',
      'fixed:300',
      '--storm',
      '0.5',
      '--storm-at',
      '0.5',
      '--refresh-every',
      '1s',
      '--refresh-share',
      '1',
      '--report-dir',
      join(dir, 'storm'),
      '--json',
    ]);
    expect(stormy.code).toBe(0);
    const result = JSON.parse(stormy.stdout);
    expect(result.outcomes).toEqual({ approved: 12, denied: 0, expired: 0, cancelled: 0, failed: 0 });
    expect(result.reconnects.storms).toBe(1);
    expect(result.reconnects.dropped).toBe(2); // half of the 4 cars
    expect(result.refresh.count).toBeGreaterThan(0);
    expect(result.refresh.failed).toBe(0);
  });

  it('exits 2 on a malformed check, before starting anything', async () => {
    const bad = await sim(['run', '--cars', '1', '--max-p99', 'approval=5ms']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-p99 takes PHASE=DURATION');
    expect(bad.stderr).not.toContain('starting Onboard');
  });
});
