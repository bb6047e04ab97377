import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

/**
 * How long an owner takes to answer, in milliseconds: `fixed:300`, `uniform:200-2000`,
 * `exponential:800` (mean), `lognormal:800,0.6` (median, sigma).
 */
export type Delay =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exponential'; meanMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number };

/** What owners do with a request, by share (normalised to 1). */
export interface OwnerShares {
  /** Approve after the answer delay (on the passkey path where the provider has it). */
  approve: number;
  /** Deny after the answer delay. */
  deny: number;
  /** Press "wasn't me" after the answer delay. */
  not_me: number;
  /** Never answer: the request expires (`expirySeconds`). */
  ignore: number;
  /** The car gives up (`cancelAfterMs` after the owner's phone shows it) and cancels. */
  cancel: number;
}

/** A run's behaviour mix; every field has a default (see {@link BUILT_IN_SCENARIOS}). */
export interface Scenario {
  name: string;
  owners: OwnerShares;
  /** Delay before an owner's answer (approve, deny, wasn't me). */
  answerDelay: Delay;
  /** `requested_expiry` of every request, seconds: how long an ignored request lives. */
  expirySeconds: number;
  /** How long after the owner's phone shows a request a cancelling car cancels it. */
  cancelAfterMs: number;
  /** Share of approving flows whose car goes offline just before the approval and comes back `offlineMs` later. */
  offline: { share: number; offlineMs: number };
  /** Share of flows of a car already paired that ask with `id_token_hint` (the owner's last ID token) instead of the login hint. */
  reverify: { share: number };
  /** Every `everyMs`, `share` of the paired cars refresh their tokens at once (0: no waves). */
  refreshWaves: { everyMs: number; share: number };
  /** At `atFraction` of the run, `share` of the fleet's connections drop at once and reconnect (0: no storm). */
  reconnectStorm: { share: number; atFraction: number };
  /** Share of cars whose TCP goes through a link that delays every chunk and sometimes drops the connection. */
  flakyLinks: { share: number; latencyMs: number; jitterMs: number; dropsPerMinute: number };
}

const DEFAULTS: Scenario = {
  name: 'custom',
  owners: { approve: 1, deny: 0, not_me: 0, ignore: 0, cancel: 0 },
  answerDelay: { kind: 'uniform', minMs: 50, maxMs: 500 },
  expirySeconds: 60,
  cancelAfterMs: 200,
  offline: { share: 0, offlineMs: 2000 },
  reverify: { share: 0 },
  refreshWaves: { everyMs: 0, share: 0 },
  reconnectStorm: { share: 0, atFraction: 0.5 },
  flakyLinks: { share: 0, latencyMs: 40, jitterMs: 40, dropsPerMinute: 1 },
};

/** The named scenarios (`--scenario happy|mixed|storm`). */
export const BUILT_IN_SCENARIOS: Record<string, Scenario> = {
  happy: { ...DEFAULTS, name: 'happy' },
  mixed: {
    ...DEFAULTS,
    name: 'mixed',
    owners: { approve: 0.6, deny: 0.1, not_me: 0.05, ignore: 0.1, cancel: 0.15 },
    answerDelay: { kind: 'lognormal', medianMs: 400, sigma: 0.6 },
    expirySeconds: 10,
    offline: { share: 0.1, offlineMs: 2000 },
    reverify: { share: 0.3 },
    refreshWaves: { everyMs: 15_000, share: 0.2 },
    flakyLinks: { share: 0.1, latencyMs: 40, jitterMs: 40, dropsPerMinute: 1 },
  },
  storm: {
    ...DEFAULTS,
    name: 'storm',
    reconnectStorm: { share: 0.5, atFraction: 0.3 },
    refreshWaves: { everyMs: 10_000, share: 0.5 },
  },
};

/** Parses `fixed:300`, `uniform:200-2000`, `exponential:800`, `lognormal:800,0.6`. */
export function parseDelay(text: string): Delay {
  const match = /^(fixed|uniform|exponential|lognormal):(.+)$/.exec(text.trim());
  const numbers = match?.[2].split(/[-,]/).map(Number) ?? [];
  const ok = numbers.every((n) => Number.isFinite(n) && n >= 0);
  if (match && ok) {
    if (match[1] === 'fixed' && numbers.length === 1) return { kind: 'fixed', ms: numbers[0] };
    if (match[1] === 'uniform' && numbers.length === 2 && numbers[0] <= numbers[1])
      return { kind: 'uniform', minMs: numbers[0], maxMs: numbers[1] };
    if (match[1] === 'exponential' && numbers.length === 1) return { kind: 'exponential', meanMs: numbers[0] };
    if (match[1] === 'lognormal' && numbers.length === 2)
      return { kind: 'lognormal', medianMs: numbers[0], sigma: numbers[1] };
  }
  throw new Error(
    `delay '${text}' is not one of fixed:MS, uniform:MIN-MAX, exponential:MEAN, lognormal:MEDIAN,SIGMA (milliseconds)`,
  );
}

/** A delay drawn from `delay` with `random` (uniform in [0, 1)). */
export function drawDelay(delay: Delay, random: () => number): number {
  switch (delay.kind) {
    case 'fixed':
      return delay.ms;
    case 'uniform':
      return delay.minMs + (delay.maxMs - delay.minMs) * random();
    case 'exponential':
      return -delay.meanMs * Math.log(1 - random());
    case 'lognormal': {
      // Box-Muller
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return delay.medianMs * Math.exp(delay.sigma * z);
    }
  }
}

const SHARE_FIELDS: Array<keyof OwnerShares> = ['approve', 'deny', 'not_me', 'ignore', 'cancel'];

/**
 * A scenario from a built-in name or a YAML/JSON file, the file's fields over the defaults (a
 * file may name a built-in as `extends`). Unknown fields and bad values are refused, naming them.
 */
export async function loadScenario(nameOrFile: string): Promise<Scenario> {
  const builtIn = BUILT_IN_SCENARIOS[nameOrFile];
  if (builtIn) return structuredClone(builtIn);
  let text: string;
  try {
    text = await readFile(nameOrFile, 'utf8');
  } catch (err) {
    throw new Error(
      `scenario '${nameOrFile}' is neither a built-in (${Object.keys(BUILT_IN_SCENARIOS).join(', ')}) nor a readable file: ${(err as Error).message}`,
      { cause: err },
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON
  } catch (err) {
    throw new Error(`scenario file ${nameOrFile}: ${(err as Error).message}`, { cause: err });
  }
  return scenarioFrom(raw, nameOrFile);
}

/** Validates a scenario object (as read from a file) over the defaults or its `extends`. */
export function scenarioFrom(raw: unknown, where = 'scenario'): Scenario {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: must be a mapping`);
  const input = { ...(raw as Record<string, any>) };
  let base = DEFAULTS;
  if (input.extends !== undefined) {
    base = BUILT_IN_SCENARIOS[input.extends];
    if (!base) throw new Error(`${where}: extends '${input.extends}' is not a built-in scenario`);
    delete input.extends;
  }
  const scenario: Scenario = structuredClone(base);
  scenario.name = typeof input.name === 'string' ? input.name : where;
  delete input.name;
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULTS))
      throw new Error(`${where}: unknown field '${key}' (fields: ${Object.keys(DEFAULTS).join(', ')})`);
    if (key === 'answerDelay') {
      scenario.answerDelay = typeof value === 'string' ? parseDelay(value) : checkDelay(value, where);
    } else if (typeof (DEFAULTS as any)[key] === 'number') {
      (scenario as any)[key] = nonNegative(value, `${where}: ${key}`);
    } else {
      if (typeof value !== 'object' || value === null) throw new Error(`${where}: ${key} must be a mapping`);
      const target = (scenario as any)[key];
      if (key === 'owners') for (const field of SHARE_FIELDS) target[field] = 0; // the file's shares replace the base's
      for (const [field, fieldValue] of Object.entries(value)) {
        if (!(field in (DEFAULTS as any)[key]))
          throw new Error(
            `${where}: unknown field '${key}.${field}' (fields: ${Object.keys((DEFAULTS as any)[key]).join(', ')})`,
          );
        target[field] = nonNegative(fieldValue, `${where}: ${key}.${field}`);
      }
    }
  }
  return checkScenario(scenario, where);
}

/** Refuses a scenario whose shares or values make no sense. */
export function checkScenario(scenario: Scenario, where = 'scenario'): Scenario {
  const total = SHARE_FIELDS.reduce((sum, field) => sum + scenario.owners[field], 0);
  if (!(total > 0)) throw new Error(`${where}: the owners' shares (${SHARE_FIELDS.join(', ')}) add up to nothing`);
  for (const [name, share] of [
    ['offline.share', scenario.offline.share],
    ['reverify.share', scenario.reverify.share],
    ['refreshWaves.share', scenario.refreshWaves.share],
    ['reconnectStorm.share', scenario.reconnectStorm.share],
    ['reconnectStorm.atFraction', scenario.reconnectStorm.atFraction],
    ['flakyLinks.share', scenario.flakyLinks.share],
  ] as const)
    if (share > 1) throw new Error(`${where}: ${name} is a share, from 0 to 1`);
  if (!Number.isInteger(scenario.expirySeconds) || scenario.expirySeconds < 1)
    throw new Error(`${where}: expirySeconds must be a whole number of seconds, at least 1`);
  return scenario;
}

function nonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a number >= 0`);
  return value;
}

function checkDelay(value: unknown, where: string): Delay {
  if (typeof value !== 'object' || value === null)
    throw new Error(`${where}: answerDelay must be a string such as uniform:200-2000`);
  const kind = (value as { kind?: unknown }).kind;
  const fields = {
    fixed: ['ms'],
    uniform: ['minMs', 'maxMs'],
    exponential: ['meanMs'],
    lognormal: ['medianMs', 'sigma'],
  } as const;
  if (typeof kind !== 'string' || !(kind in fields))
    throw new Error(`${where}: answerDelay.kind must be fixed, uniform, exponential or lognormal`);
  for (const field of fields[kind as keyof typeof fields])
    nonNegative((value as any)[field], `${where}: answerDelay.${field}`);
  return value as Delay;
}

/** The owner behaviour of each of `count` flows: exact counts by share (largest remainder), shuffled. */
export function planBehaviours(shares: OwnerShares, count: number, random: () => number): Array<keyof OwnerShares> {
  const total = SHARE_FIELDS.reduce((sum, field) => sum + shares[field], 0);
  const exact = SHARE_FIELDS.map((field) => (shares[field] / total) * count);
  const counts = exact.map(Math.floor);
  const order = exact.map((value, i) => [value - Math.floor(value), i] as const).sort((a, b) => b[0] - a[0]);
  for (let left = count - counts.reduce((a, b) => a + b, 0), k = 0; left > 0; left--, k++)
    counts[order[k % order.length][1]]++;
  const plan = counts.flatMap((n, i) => Array<keyof OwnerShares>(n).fill(SHARE_FIELDS[i]));
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  return plan;
}

/** The outcome a flow of this behaviour should end in. */
export function expectedOutcome(behaviour: keyof OwnerShares): 'approved' | 'denied' | 'expired' | 'cancelled' {
  switch (behaviour) {
    case 'approve':
      return 'approved';
    case 'deny':
    case 'not_me':
      return 'denied';
    case 'ignore':
      return 'expired';
    case 'cancel':
      return 'cancelled';
  }
}

/** A seeded PRNG (mulberry32), so a scenario's plan repeats with `--seed`. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
