// The owner path: approval → tokens at the car when owners approve through the passkey path
// (a WebAuthn assertion over the provider's approval challenge, verified by the provider) and
// when they approve with a bearer device credential, side by side in one run. Each run is the
// device simulator (`npm run sim -- run`) on Onboard embedded, the same scenario and size for
// both paths, the paths alternating so that neither always runs on a cooler machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { median } from './stats.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OWNER_PATHS = ['passkey', 'bearer'];

/** One simulator run; resolves with its report.json. */
function simulate(ownerPath, { cars, count, concurrency, scenario }) {
  const reportDir = mkdtempSync(join(tmpdir(), 'onboard-owner-path-'));
  const args = [
    '-r',
    './scripts/ts-register.js',
    'device-sim/src/main.ts',
    'run',
    '--cars',
    String(cars),
    '--count',
    String(count),
    '--concurrency',
    String(concurrency),
    '--scenario',
    scenario,
    '--owner-path',
    ownerPath,
    '--progress',
    'lines',
    '--json',
    '--report-dir',
    reportDir,
  ];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', fail);
    child.on('exit', (code) => {
      rmSync(reportDir, { recursive: true, force: true });
      if (code !== 0) return fail(new Error(`device-sim run (${ownerPath}) exited ${code}\n${stderr}`));
      try {
        done(JSON.parse(stdout));
      } catch (err) {
        fail(new Error(`device-sim run (${ownerPath}) printed no report: ${err.message}\n${stderr}`));
      }
    });
  });
}

/** The figures the benchmark keeps of one simulator report. */
function figuresOf(report) {
  const phase = report.phases.approval_to_tokens;
  return {
    flows: report.flows,
    approved: report.outcomes.approved,
    successRate: report.success_rate,
    throughputPerSecond: report.throughput_per_second,
    approvalToTokensP50: phase.p50,
    approvalToTokensP99: phase.p99,
    endToEndP99: report.phases.end_to_end.p99,
  };
}

/**
 * Runs both owner paths `repeats` times each, alternating, and keeps the medians.
 * @param {{ cars: number, count: number, concurrency: number, repeats: number, scenario?: string,
 *   log?: (text: string) => void }} options
 */
export async function runOwnerPaths(options) {
  const log = options.log ?? ((text) => process.stderr.write(text));
  const settings = { scenario: 'happy', ...options };
  const runs = [];
  for (let repeat = 0; repeat < settings.repeats; repeat++) {
    const order = repeat % 2 === 0 ? OWNER_PATHS : [...OWNER_PATHS].reverse();
    for (const ownerPath of order) {
      log(`owner path ${ownerPath} #${repeat + 1}/${settings.repeats} ... `);
      const figures = figuresOf(await simulate(ownerPath, settings));
      log(
        `${figures.flows} flows, approval → tokens p50 ${figures.approvalToTokensP50} ms, p99 ${figures.approvalToTokensP99} ms\n`,
      );
      runs.push({ ownerPath, repeat, ...figures });
    }
  }
  const summary = {};
  for (const ownerPath of OWNER_PATHS) {
    const mine = runs.filter((r) => r.ownerPath === ownerPath);
    summary[ownerPath] = Object.fromEntries(
      Object.keys(mine[0])
        .filter((key) => typeof mine[0][key] === 'number' && key !== 'repeat')
        .map((key) => [key, median(mine.map((r) => r[key]))]),
    );
  }
  return {
    cars: settings.cars,
    count: settings.count,
    concurrency: settings.concurrency,
    scenario: settings.scenario,
    repeats: settings.repeats,
    summary,
    runs,
  };
}
