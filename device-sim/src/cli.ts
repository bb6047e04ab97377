import { randomBytes } from 'node:crypto';
import { Command, CommanderError, Option } from 'commander';
import Table from 'cli-table3';
import { evaluateChecks, parseMaxP99, parseSuccessRate, type Check } from './checks';
import { createDisplay, type LiveDisplay } from './display';
import { FLEET_FORMAT, generateCars, loadFleet, saveFleet, type Fleet } from './fleet';
import { bearerEnrolment, bearerOwners } from './owner/bearer-owner';
import type { OwnerActorFactory, OwnerEnrolment } from './owner/owner-actor';
import { passkeyEnrolment, passkeyOwners } from './owner/passkey-owner';
import { collect, parseCount, parseDuration, parseShare } from './options';
import { createOwners, ownerEmails, registerCars } from './provision';
import { OUTCOMES, PHASES } from './recorder';
import { buildReport, writeReports, type SimReport } from './report';
import { runScenario } from './run';
import { checkScenario, loadScenario, parseDelay, type Scenario } from './scenario';
import { remoteTarget, startEmbeddedTarget, type Target } from './target';

/** Exit codes a pipeline can trust. */
export const EXIT = { ok: 0, checkFailed: 1, error: 2 } as const;

/** Where the CLI writes and what it reads: the process's, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** ADMIN_TOKEN and BRIDGE_ADMIN_TOKEN for a running deployment. */
  env: Record<string, string | undefined>;
}

interface TargetFlags {
  providerUrl?: string;
  providerAdminUrl?: string;
  bridgeAdminUrl?: string;
  mqttUrl?: string;
  ownerPath: OwnerPath;
}

/**
 * How the virtual owners' phones sign in: `passkey` (default) enrols a passkey per owner from an
 * invitation and approves with WebAuthn assertions, as the owner app does; `bearer` uses a device
 * credential from the admin API (approvals without passkey assurance).
 */
export const OWNER_PATHS: Record<string, { enrolment: OwnerEnrolment; owners: OwnerActorFactory }> = {
  passkey: { enrolment: passkeyEnrolment, owners: passkeyOwners },
  bearer: { enrolment: bearerEnrolment, owners: bearerOwners },
};
export type OwnerPath = 'passkey' | 'bearer';

function addTargetOptions(command: Command): Command {
  return command
    .option('--provider-url <url>', 'the provider of a running deployment (default: start Onboard embedded)')
    .option('--provider-admin-url <url>', "the provider's admin API, when it has a listener of its own (ADMIN_PORT)")
    .option('--bridge-admin-url <url>', "the bridge's HTTP API: /admin/v1/devices and /.well-known/jwks.json")
    .option('--mqtt-url <url>', 'where cars connect: mqtt://, mqtts:// or ws://')
    .addOption(
      new Option(
        '--owner-path <path>',
        "how owners' phones sign in: passkey (enrolled from an invitation, approvals by WebAuthn assertion) or bearer (a device credential)",
      )
        .choices(['passkey', 'bearer'])
        .default('passkey'),
    );
}

/** The target the flags name, or undefined for the embedded one. */
function targetOf(flags: TargetFlags, env: CliIo['env']): Target | undefined {
  const given = [flags.providerUrl, flags.bridgeAdminUrl, flags.mqttUrl].filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given < 3)
    throw new Error(
      'a running deployment needs all of --provider-url, --bridge-admin-url and --mqtt-url (none of them: start Onboard embedded)',
    );
  return remoteTarget({
    providerUrl: flags.providerUrl!,
    providerAdminUrl: flags.providerAdminUrl,
    bridgeAdminUrl: flags.bridgeAdminUrl!,
    mqttUrl: flags.mqttUrl!,
    providerAdminToken: env.ADMIN_TOKEN,
    bridgeAdminToken: env.BRIDGE_ADMIN_TOKEN,
  });
}

/** New cars and owners, registered at `target`. */
async function provisionFleet(
  target: Target,
  cars: number,
  owners: number,
  ownerPath: OwnerPath,
  log: (line: string) => void,
): Promise<Fleet> {
  const started = Date.now();
  const generated = await generateCars(cars, owners);
  log(`generated keys for ${cars} cars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const fleet: Fleet = {
    format: FLEET_FORMAT,
    createdAt: new Date().toISOString(),
    target:
      target.kind === 'embedded'
        ? 'embedded'
        : { providerUrl: target.providerUrl, bridgeAdminUrl: target.bridgeAdminUrl, mqttUrl: target.mqttUrl },
    cars: generated,
    owners: [],
  };
  return registerFleet(target, fleet, ownerPath, log, randomBytes(3).toString('hex'));
}

/** Registers the fleet's cars and (new) owners at `target`; `tag` names new owners. */
async function registerFleet(
  target: Target,
  fleet: Fleet,
  ownerPath: OwnerPath,
  log: (line: string) => void,
  tag?: string,
): Promise<Fleet> {
  let started = Date.now();
  const { registered, unchanged } = await registerCars(target, fleet.cars);
  log(
    `registered ${registered} cars at the bridge (${unchanged} already there) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  started = Date.now();
  const emails =
    tag !== undefined ? ownerEmails(Math.max(1, ownerCountOf(fleet)), tag) : fleet.owners.map((o) => o.email);
  const owners = await createOwners(target, emails, OWNER_PATHS[ownerPath].enrolment);
  log(
    `created ${owners.length} owners with their phones (${ownerPath}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { ...fleet, owners };
}

function ownerCountOf(fleet: Fleet): number {
  return fleet.cars.reduce((max, car) => Math.max(max, car.owner + 1), 0);
}

interface RunFlags extends TargetFlags {
  fleet?: string;
  cars?: number;
  owners?: number;
  concurrency: number;
  rampUp: number;
  count?: number;
  duration?: number;
  scenario: string;
  approve?: number;
  deny?: number;
  notMe?: number;
  ignore?: number;
  cancel?: number;
  answerDelay?: string;
  expiry?: number;
  offline?: number;
  offlineFor?: number;
  reverify?: number;
  refreshEvery?: number;
  refreshShare?: number;
  storm?: number;
  stormAt?: number;
  flaky?: number;
  reportDir: string;
  seed: number;
  json?: boolean;
  progress: 'auto' | 'bar' | 'lines';
  expectSuccessRate?: string;
  maxP99: string[];
}

/** The scenario of `--scenario`, with the flags' overrides. */
async function scenarioOf(flags: RunFlags): Promise<Scenario> {
  const scenario = await loadScenario(flags.scenario);
  const shares = [flags.approve, flags.deny, flags.notMe, flags.ignore, flags.cancel];
  if (shares.some((s) => s !== undefined)) {
    const [approve = 0, deny = 0, not_me = 0, ignore = 0, cancel = 0] = shares;
    scenario.owners = { approve, deny, not_me, ignore, cancel };
    scenario.name = `${scenario.name}+flags`;
  }
  if (flags.answerDelay !== undefined) scenario.answerDelay = parseDelay(flags.answerDelay);
  if (flags.expiry !== undefined) scenario.expirySeconds = flags.expiry;
  if (flags.offline !== undefined) scenario.offline.share = flags.offline;
  if (flags.offlineFor !== undefined) scenario.offline.offlineMs = flags.offlineFor;
  if (flags.reverify !== undefined) scenario.reverify.share = flags.reverify;
  if (flags.refreshEvery !== undefined) scenario.refreshWaves.everyMs = flags.refreshEvery;
  if (flags.refreshShare !== undefined) scenario.refreshWaves.share = flags.refreshShare;
  if (flags.storm !== undefined) scenario.reconnectStorm.share = flags.storm;
  if (flags.stormAt !== undefined) scenario.reconnectStorm.atFraction = flags.stormAt;
  if (flags.flaky !== undefined) scenario.flakyLinks.share = flags.flaky;
  return checkScenario(scenario, flags.scenario);
}

function summaryTable(report: SimReport): string {
  const outcomes = new Table({ head: ['outcome', 'flows', 'share'], style: { head: [], border: [] } });
  for (const name of OUTCOMES)
    outcomes.push([
      name,
      report.outcomes[name],
      report.flows ? `${((report.outcomes[name] / report.flows) * 100).toFixed(1)} %` : '-',
    ]);
  const phases = new Table({
    head: ['phase (ms)', 'count', 'p50', 'p90', 'p99', 'max'],
    style: { head: [], border: [] },
  });
  for (const name of PHASES) {
    const p = report.phases[name];
    phases.push([name, p.count, p.p50, p.p90, p.p99, p.max]);
  }
  if (report.refresh.count + report.refresh.failed > 0)
    phases.push([
      `refresh (${report.refresh.failed} failed)`,
      report.refresh.count,
      report.refresh.p50,
      report.refresh.p90,
      report.refresh.p99,
      report.refresh.max,
    ]);
  const lines = [
    `${report.flows} flows in ${(report.duration_ms / 1000).toFixed(1)} s (${report.throughput_per_second}/s), ${report.run.cars} cars connected in ${(report.connect_ms / 1000).toFixed(1)} s; ${report.as_expected} ended as the scenario asked (success rate ${report.success_rate.toFixed(4)})`,
    outcomes.toString(),
    phases.toString(),
  ];
  const reasons = Object.entries(report.failure_reasons);
  if (reasons.length > 0) lines.push(`failure reasons: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  for (const [reason, example] of Object.entries(report.failure_examples)) lines.push(`  first ${reason}: ${example}`);
  if (report.reconnects.dropped > 0)
    lines.push(`links dropped by the simulator: ${report.reconnects.dropped} (storms: ${report.reconnects.storms})`);
  for (const check of report.checks)
    lines.push(`check ${check.passed ? 'passed' : 'FAILED'}: ${check.check} (measured ${check.actual})`);
  return lines.join('\n') + '\n';
}

/** `run`: returns the exit code. */
async function runCommand(flags: RunFlags, io: CliIo): Promise<number> {
  const log = (line: string) => void io.stderr.write(`device-sim: ${line}\n`);
  if ((flags.fleet === undefined) === (flags.cars === undefined))
    throw new Error('give either --fleet FILE or --cars N');
  if (flags.count !== undefined && flags.duration !== undefined)
    throw new Error('give --count or --duration, not both');
  const checks: Check[] = [
    ...(flags.expectSuccessRate !== undefined ? [parseSuccessRate(flags.expectSuccessRate)] : []),
    ...flags.maxP99.map(parseMaxP99),
  ];
  const scenario = await scenarioOf(flags);
  let fleet = flags.fleet !== undefined ? await loadFleet(flags.fleet) : undefined;
  const count = flags.duration === undefined ? (flags.count ?? fleet?.cars.length ?? flags.cars!) : undefined;

  const remote = targetOf(flags, io.env);
  if (!remote && fleet && fleet.target !== 'embedded')
    log(
      `the fleet was registered at ${fleet.target.providerUrl}; without target flags it is registered again at an embedded Onboard`,
    );
  // a running deployment keeps the fleet's owners: their phones' secrets must be of this path
  if (remote && fleet) {
    const lacking = fleet.owners.find((owner) => (flags.ownerPath === 'passkey' ? !owner.passkey : !owner.credential));
    if (lacking)
      throw new Error(
        `owner ${lacking.email} has no ${flags.ownerPath === 'passkey' ? 'passkey' : 'device credential'} in the fleet file: run with --owner-path ${flags.ownerPath === 'passkey' ? 'bearer' : 'passkey'}, or provision again`,
      );
  }
  const target =
    remote ?? (log('starting Onboard embedded (temporary SQLite files, free ports)'), await startEmbeddedTarget());
  const display: LiveDisplay = createDisplay({
    stream: io.stderr,
    total: count,
    durationSeconds: flags.duration !== undefined ? flags.duration / 1000 : undefined,
    mode: flags.progress === 'auto' ? undefined : flags.progress,
  });
  let peakRss = process.memoryUsage().rss;
  try {
    if (!fleet) fleet = await provisionFleet(target, flags.cars!, flags.owners ?? flags.cars!, flags.ownerPath, log);
    else if (target.kind === 'embedded') fleet = await registerFleet(target, fleet, flags.ownerPath, log);
    const result = await runScenario({
      target,
      fleet,
      scenario,
      owners: OWNER_PATHS[flags.ownerPath].owners,
      concurrency: flags.concurrency,
      rampUpMs: flags.rampUp,
      count,
      durationMs: flags.duration,
      seed: flags.seed,
      onStage: (stage) => display.stage(stage),
      onTick: (point, recorder) => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        display.update(point, recorder);
      },
    });
    display.stop();
    const report = buildReport({
      result,
      scenario,
      target: { kind: target.kind, providerUrl: target.providerUrl, mqttUrl: target.mqttUrl },
      ownerPath: flags.ownerPath,
      owners: fleet.owners.length,
      concurrency: flags.concurrency,
      rampUpMs: flags.rampUp,
      count,
      durationMs: flags.duration,
      seed: flags.seed,
      peakRssBytes: peakRss,
    });
    report.checks = evaluateChecks(checks, report);
    const paths = await writeReports(flags.reportDir, report);
    io.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : summaryTable(report));
    log(`reports: ${paths.json}, ${paths.html}`);
    const failed = report.checks.filter((c) => !c.passed);
    if (failed.length > 0) {
      log(
        `failed check${failed.length > 1 ? 's' : ''}: ${failed.map((c) => `${c.check} (measured ${c.actual})`).join('; ')}`,
      );
      return EXIT.checkFailed;
    }
    return EXIT.ok;
  } finally {
    display.stop();
    await target.close();
  }
}

interface ProvisionFlags extends TargetFlags {
  cars: number;
  owners?: number;
  out: string;
}

async function provisionCommand(flags: ProvisionFlags, io: CliIo): Promise<number> {
  const log = (line: string) => void io.stderr.write(`device-sim: ${line}\n`);
  const remote = targetOf(flags, io.env);
  const target =
    remote ??
    (log('no target given: starting Onboard embedded to register the fleet once (run registers it again)'),
    await startEmbeddedTarget());
  try {
    const started = Date.now();
    const fleet = await provisionFleet(target, flags.cars, flags.owners ?? flags.cars, flags.ownerPath, log);
    await saveFleet(flags.out, fleet);
    io.stdout.write(
      `${flags.out}: ${fleet.cars.length} cars, ${fleet.owners.length} owners, provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s (the file holds private keys: mode 0600)\n`,
    );
    return EXIT.ok;
  } finally {
    await target.close();
  }
}

/** `serve`: Onboard embedded until interrupted, for runs from other processes (or machines' loopback). */
async function serveCommand(io: CliIo, signal: Promise<void>): Promise<number> {
  const target = await startEmbeddedTarget();
  io.stdout.write(
    [
      'Onboard is running embedded (temporary SQLite files, removed on exit); in another terminal:',
      `  export ADMIN_TOKEN=${target.providerAdminToken} BRIDGE_ADMIN_TOKEN=${target.bridgeAdminToken}`,
      `  npm run sim -- run --provider-url ${target.providerUrl} --bridge-admin-url ${target.bridgeAdminUrl} --mqtt-url ${target.mqttUrl} --cars 100`,
      'Stop it with Ctrl-C.',
      '',
    ].join('\n'),
  );
  await signal;
  await target.close();
  return EXIT.ok;
}

/** The command line, built on commander; actions store their exit code in `result`. */
export function createProgram(io: CliIo, result: { code: number }): Command {
  const program = new Command('device-sim')
    .description("The fleet engineer's simulator: virtual head-units and owners driving Onboard's whole flow")
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  npm run sim -- provision --cars 1000 --owners 1000 --out fleet.json
  npm run sim -- run --fleet fleet.json --scenario mixed --concurrency 100 --report-dir report
  npm run sim -- run --cars 50 --count 200 --expect-success-rate 0.99 --max-p99 approval_to_tokens=50ms

Exit codes: 0 done (and every check passed), 1 a check failed, 2 bad arguments or the run could not be made.
Against a running deployment, ADMIN_TOKEN and BRIDGE_ADMIN_TOKEN come from the environment.`,
    );

  addTargetOptions(
    program
      .command('provision')
      .description(
        "generate each car's keys, register the cars at the bridge (in bulk) and the owners with their phones at the provider, and save the fleet",
      )
      .requiredOption('--cars <n>', 'virtual head-units', parseCount(1))
      .option('--owners <n>', 'virtual owners (cars are assigned round-robin; default: one per car)', parseCount(1))
      .requiredOption('--out <file>', 'fleet file to write (private keys and credentials: mode 0600)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  npm run sim -- provision --cars 1000 --owners 1000 --out fleet.json
  ADMIN_TOKEN=… BRIDGE_ADMIN_TOKEN=… npm run sim -- provision --cars 10000 --owners 2000 --out fleet.json \\
    --provider-url https://id.staging.example --bridge-admin-url https://bridge-admin.staging.example --mqtt-url mqtts://bridge.staging.example:8883`,
    )
    .action(async (flags: ProvisionFlags) => {
      result.code = await provisionCommand(flags, io);
    });

  program
    .command('serve')
    .description(
      'start Onboard embedded (as run does without a target) and keep it running until Ctrl-C; prints its URLs and admin tokens',
    )
    .addHelpText(
      'after',
      `
Examples:
  npm run sim -- serve
  # then, with the printed tokens exported, from another terminal (the simulator's memory is then its own):
  npm run sim -- provision --cars 10000 --out fleet.json --provider-url http://127.0.0.1:… --bridge-admin-url http://127.0.0.1:… --mqtt-url mqtt://127.0.0.1:…`,
    )
    .action(async () => {
      result.code = await serveCommand(
        io,
        new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        }),
      );
    });

  addTargetOptions(
    program
      .command('run')
      .description('drive verification flows with a fleet and write report.json and report.html')
      .option('--fleet <file>', 'a fleet saved by provision')
      .option('--cars <n>', 'provision this many cars on the fly instead', parseCount(1))
      .option('--owners <n>', 'owners when provisioning on the fly (default: one per car)', parseCount(1))
      .option('--concurrency <n>', 'flows in flight at most (one per car at a time)', parseCount(1), 50)
      .option(
        '--ramp-up <duration>',
        'raise the concurrency from 1 to --concurrency over this time (30s, 2m)',
        parseDuration,
        0,
      )
      .option('--count <n>', 'flows to run, shared exactly as the scenario says (default: one per car)', parseCount(0))
      .option('--duration <duration>', 'start flows for this long instead (5m), shares drawn at random', parseDuration)
      .option('--scenario <name|file>', 'built-in happy, mixed or storm, or a YAML/JSON file', 'happy')
      .option('--approve <share>', 'owners who approve (any share flag replaces all five shares)', parseShare)
      .option('--deny <share>', 'owners who deny', parseShare)
      .option('--not-me <share>', `owners who press "wasn't me"`, parseShare)
      .option('--ignore <share>', 'owners who never answer: the request expires', parseShare)
      .option('--cancel <share>', 'cars that cancel while the owner looks', parseShare)
      .option(
        '--answer-delay <dist>',
        'owner answer delay: fixed:MS, uniform:MIN-MAX, exponential:MEAN, lognormal:MEDIAN,SIGMA',
      )
      .option('--expiry <seconds>', 'requested_expiry of every request', parseCount(1))
      .option('--offline <share>', 'approving flows whose car goes offline just before the approval', parseShare)
      .option('--offline-for <duration>', 'how long such a car stays offline', parseDuration)
      .option('--reverify <share>', 'flows of paired cars that ask with id_token_hint', parseShare)
      .option('--refresh-every <duration>', 'a token refresh wave this often', parseDuration)
      .option('--refresh-share <share>', 'paired cars refreshing in each wave', parseShare)
      .option('--storm <share>', 'share of the fleet dropping and reconnecting at once', parseShare)
      .option('--storm-at <fraction>', 'when the storm comes, as a fraction of the run', parseShare)
      .option('--flaky <share>', 'cars on flaky links (delays and drops, through an in-process proxy)', parseShare)
      .option('--report-dir <dir>', 'where report.json and report.html go', 'device-sim-report')
      .option('--seed <n>', 'seed of the random choices (same seed, same plan)', parseCount(0), 1)
      .option('--json', 'print report.json on stdout instead of the summary table')
      .addOption(new Option('--progress <mode>', 'live display').choices(['auto', 'bar', 'lines']).default('auto'))
      .option('--expect-success-rate <fraction>', 'exit 1 unless this share of flows ended as the scenario asked')
      .option(
        '--max-p99 <phase=duration>',
        `exit 1 when a phase's p99 is above (repeatable; phases: ${PHASES.join(', ')})`,
        collect,
        [],
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  npm run sim -- run --cars 100 --scenario mixed --count 500 --concurrency 50
  npm run sim -- run --fleet fleet.json --scenario storm --duration 5m --ramp-up 30s --report-dir out
  npm run sim -- run --fleet fleet.json --approve 0.8 --deny 0.1 --ignore 0.1 --answer-delay lognormal:800,0.5 --expiry 20
  npm run sim -- run --cars 50 --scenario my-scenario.yaml --expect-success-rate 0.99 --max-p99 approval_to_tokens=50ms --max-p99 end_to_end=2s

Without --provider-url, --bridge-admin-url and --mqtt-url, Onboard is started embedded (temporary SQLite
files, free ports) and stopped afterwards. Progress goes to stderr (a bar on a terminal, lines otherwise),
the summary to stdout.`,
    )
    .action(async (flags: RunFlags) => {
      result.code = await runCommand(flags, io);
    });
  return program;
}

/** Runs the CLI on `argv` (user arguments only); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const result = { code: EXIT.ok as number };
  const program = createProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    io.stderr.write(`device-sim: ${(err as Error).message}\n`);
    return EXIT.error;
  }
}
