import { randomBytes } from 'node:crypto';
import {
  DeviceClientError,
  MemoryKeyStore,
  connect,
  type DeviceClient,
  type VerifiedTokens,
} from '@onboard/device-client';
import { mapBounded, sleep } from './concurrency';
import type { Fleet, FleetCar } from './fleet';
import { LinkProxy } from './link-proxy';
import type { OwnerActor, OwnerActorFactory } from './owner/owner-actor';
import { Recorder, type Outcome, type TimelinePoint } from './recorder';
import { drawDelay, expectedOutcome, planBehaviours, seededRandom, type OwnerShares, type Scenario } from './scenario';
import { fetchTargetKeys, type Target } from './target';

type Behaviour = keyof OwnerShares;

export interface RunOptions {
  target: Target;
  fleet: Fleet;
  scenario: Scenario;
  owners: OwnerActorFactory;
  /** Flows in flight at most. */
  concurrency: number;
  /** The allowed concurrency rises linearly from 1 to `concurrency` over this time. */
  rampUpMs: number;
  /** Flows to run (exact shares), or … */
  count?: number;
  /** … start flows for this long (shares drawn at random), then let those in flight end. */
  durationMs?: number;
  seed: number;
  /** Called once a second with the new timeline point. */
  onTick?: (point: TimelinePoint, recorder: Recorder) => void;
  /** Called with what the run is doing before the flows start (connecting cars…). */
  onStage?: (stage: string) => void;
  /** Aborting stops starting flows (those in flight end or time out). */
  signal?: AbortSignal;
}

export interface RunResult {
  recorder: Recorder;
  startedAt: Date;
  durationMs: number;
  /** Time to connect the fleet, ms. */
  connectMs: number;
  cars: number;
}

interface CarState {
  car: FleetCar;
  client: DeviceClient;
  tokens?: { refreshToken?: string; idToken?: string };
  busy: boolean;
}

/** Link features of the scenario that need the in-process proxy between the cars and the broker. */
export function needsLinkProxy(scenario: Scenario): boolean {
  return scenario.offline.share > 0 || scenario.reconnectStorm.share > 0 || scenario.flakyLinks.share > 0;
}

/**
 * Drives the scenario's flows with the fleet: every car connects through the device client
 * package (as a head-unit does), each flow asks the car's owner, whose phone answers through
 * the owner actor; the recorder gets the phases and outcomes.
 */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { target, fleet, scenario } = options;
  const random = seededRandom(options.seed);
  const recorder = new Recorder();
  const keys = await fetchTargetKeys(target);

  let proxy: LinkProxy | undefined;
  let mqttUrl = target.mqttUrl;
  if (needsLinkProxy(scenario)) {
    const url = new URL(target.mqttUrl);
    if (url.protocol !== 'mqtt:')
      throw new Error(
        `offline cars, reconnect storms and flaky links need a plain mqtt:// broker URL (the proxy reads each car's CONNECT); got ${url.protocol}//`,
      );
    proxy = new LinkProxy(url.hostname, Number(url.port || 1883), random);
    mqttUrl = await proxy.start();
  }

  const cars: CarState[] = [];
  const ownerActors = new Map<number, OwnerActor>();
  const ownerOf = (index: number) => {
    let actor = ownerActors.get(index);
    if (!actor) ownerActors.set(index, (actor = options.owners.actor(target, fleet.owners[index])));
    return actor;
  };

  const connectStart = Date.now();
  options.onStage?.(`connecting ${fleet.cars.length} cars`);
  let connected = 0;
  try {
    const flakyCount = Math.round(scenario.flakyLinks.share * fleet.cars.length);
    fleet.cars.forEach((car, i) => {
      if (i < flakyCount) proxy?.setFlaky(car.deviceId, scenario.flakyLinks);
    });
    await mapBounded(fleet.cars, 64, async (car) => {
      const client = await connect({
        url: mqttUrl,
        deviceId: car.deviceId,
        keys: new MemoryKeyStore(car.keys),
        bridgeEncryptionKey: keys.bridgeEncryptionKey,
        providerIssuer: keys.issuer,
        providerJwks: keys.providerJwks,
        tokenEndpoint: keys.tokenEndpoint,
        // the library's own result grace (30 s), as a head-unit has it; a quicker reconnect than
        // its default (up to 30 s) so that offline cars and storms come back within a run
        reconnect: { minMs: 250, maxMs: 5000 },
        connectTimeoutMs: 60_000,
      });
      connected++;
      client.on('online', () => connected++);
      client.on('offline', () => connected--);
      cars.push({ car, client, busy: false });
    });
  } catch (err) {
    await Promise.all(cars.map((c) => c.client.close()));
    await proxy?.close();
    throw err;
  }
  const connectMs = Date.now() - connectStart;

  // Behaviours: exact shares for a count, drawn per flow for a duration.
  const plan = options.count !== undefined ? planBehaviours(scenario.owners, options.count, random) : undefined;
  const draw = (): Behaviour => {
    const entries = Object.entries(scenario.owners) as Array<[Behaviour, number]>;
    const total = entries.reduce((sum, [, share]) => sum + share, 0);
    let r = random() * total;
    for (const [behaviour, share] of entries) if ((r -= share) < 0) return behaviour;
    return 'approve';
  };

  const startedAt = new Date();
  const t0 = Date.now();
  const deadline = options.durationMs !== undefined ? t0 + options.durationMs : Infinity;
  let planned = 0;
  const nextBehaviour = (): Behaviour | undefined => {
    if (options.signal?.aborted) return undefined;
    if (plan) return plan[planned++];
    return Date.now() < deadline ? draw() : undefined;
  };

  // Wake-ups for the scheduler: a flow ended, or a second passed (ramp-up).
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const allowed = () => {
    if (options.rampUpMs <= 0) return options.concurrency;
    const fraction = Math.min(1, (Date.now() - t0) / options.rampUpMs);
    return Math.max(1, Math.floor(options.concurrency * fraction));
  };

  const totalPlanned = options.count;
  let stormDone = scenario.reconnectStorm.share === 0;
  const storm = () => {
    stormDone = true;
    recorder.reconnects.storms++;
    const victims = Math.round(scenario.reconnectStorm.share * cars.length);
    for (const state of cars.slice(0, victims)) proxy!.cut(state.car.deviceId, 0);
  };
  /** The storm comes once the run has reached `atFraction` of its flows (count) or of its time (duration). */
  const stormWhenDue = () => {
    if (stormDone) return;
    const progress =
      totalPlanned !== undefined ? recorder.started / totalPlanned : (Date.now() - t0) / (options.durationMs ?? 1);
    if (progress >= scenario.reconnectStorm.atFraction) storm();
  };
  const ticker = setInterval(() => {
    const t = Math.round((Date.now() - t0) / 1000);
    if (proxy) recorder.reconnects.dropped = proxy.dropped;
    const point = recorder.tick(t, connected);
    options.onTick?.(point, recorder);
    stormWhenDue();
    poke();
  }, 1000);
  const waves =
    scenario.refreshWaves.everyMs > 0 && scenario.refreshWaves.share > 0
      ? setInterval(() => void refreshWave(), scenario.refreshWaves.everyMs)
      : undefined;
  const refreshes = new Set<Promise<void>>();
  const refreshWave = async () => {
    const paired = cars.filter((c) => c.tokens?.refreshToken);
    const chosen = paired.filter(() => random() < scenario.refreshWaves.share);
    for (const state of chosen) {
      const started = Date.now();
      const done = state.client
        .refresh(state.tokens!.refreshToken!, { timeoutMs: 30_000 })
        .then((fresh) => {
          recorder.refreshed(Date.now() - started);
          state.tokens = {
            refreshToken: fresh.refreshToken ?? state.tokens?.refreshToken,
            idToken: fresh.idToken ?? state.tokens?.idToken,
          };
        })
        .catch((err: unknown) => recorder.refreshed(undefined, reasonOf(err)));
      refreshes.add(done);
      void done.finally(() => refreshes.delete(done));
    }
  };

  const free: CarState[] = [...cars];
  const flows = new Set<Promise<void>>();
  let sequence = 0;
  try {
    for (;;) {
      while (flows.size >= allowed() || free.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const behaviour = nextBehaviour();
      if (behaviour === undefined) break;
      const state = free.shift()!;
      state.busy = true;
      recorder.flowStarted();
      const bindingMessage = `SIM ${(sequence++).toString(36).toUpperCase()}-${randomBytes(2).toString('hex').toUpperCase()}`;
      const flow = runFlow({
        state,
        behaviour,
        bindingMessage,
        owner: ownerOf(state.car.owner),
        email: fleet.owners[state.car.owner].email,
        scenario,
        recorder,
        proxy,
        random,
      }).finally(() => {
        state.busy = false;
        free.push(state);
        flows.delete(flow);
        poke();
      });
      flows.add(flow);
      stormWhenDue();
    }
    await Promise.all(flows);
    if (!stormDone && proxy && totalPlanned === undefined) storm();
  } finally {
    clearInterval(ticker);
    if (waves) clearInterval(waves);
    await Promise.all(refreshes);
    recorder.tick(Math.round((Date.now() - t0) / 1000), connected);
    if (proxy) recorder.reconnects.dropped = proxy.dropped;
    for (const actor of ownerActors.values()) actor.close();
    await Promise.all(cars.map((c) => c.client.close()));
    await proxy?.close();
  }
  return { recorder, startedAt, durationMs: Date.now() - t0, connectMs, cars: cars.length };
}

interface FlowContext {
  state: CarState;
  behaviour: Behaviour;
  bindingMessage: string;
  owner: OwnerActor;
  /** The owner's login hint. */
  email: string;
  scenario: Scenario;
  recorder: Recorder;
  proxy: LinkProxy | undefined;
  random: () => number;
}

/** One verification: the car asks, the owner's phone sees it and acts as the behaviour says. */
async function runFlow(ctx: FlowContext): Promise<void> {
  const { state, behaviour, scenario, recorder, owner } = ctx;
  const expected = expectedOutcome(behaviour);
  const hint =
    state.tokens?.idToken && ctx.random() < scenario.reverify.share
      ? { idTokenHint: state.tokens.idToken }
      : { loginHint: ctx.email };
  const stop = new AbortController();
  const started = Date.now();
  let approvedAt: number | undefined;
  let ownerFailure: string | undefined;
  let cancelled = false;
  const handle = state.client.requestOwnerVerification({
    ...hint,
    bindingMessage: ctx.bindingMessage,
    scope: 'openid',
    requestedExpiry: scenario.expirySeconds,
  });
  handle.once('ack', () => recorder.phase('acknowledged', Date.now() - started));

  const ownerSide = (async () => {
    const seen = await owner.waitForRequest(ctx.bindingMessage, stop.signal);
    recorder.phase('owner_notified', seen.seenAt - started);
    switch (behaviour) {
      case 'approve':
        await sleep(drawDelay(scenario.answerDelay, ctx.random), stop.signal);
        if (stop.signal.aborted) return;
        if (ctx.proxy && ctx.random() < scenario.offline.share)
          ctx.proxy.cut(state.car.deviceId, scenario.offline.offlineMs);
        approvedAt = Date.now();
        await owner.answer(seen, 'approve');
        return;
      case 'deny':
      case 'not_me':
        await sleep(drawDelay(scenario.answerDelay, ctx.random), stop.signal);
        if (stop.signal.aborted) return;
        await owner.answer(seen, behaviour);
        return;
      case 'ignore':
        return;
      case 'cancel':
        await sleep(scenario.cancelAfterMs, stop.signal);
        cancelled = true;
        handle.cancel();
        return;
    }
  })().catch((err: unknown) => {
    if (stop.signal.aborted) return;
    ownerFailure = `owner: ${reasonOf(err)}`;
    handle.cancel();
  });

  let outcome: Outcome;
  let reason: string | undefined;
  let message: string | undefined;
  try {
    const tokens: VerifiedTokens = await handle.result;
    const now = Date.now();
    if (approvedAt !== undefined) recorder.phase('approval_to_tokens', now - approvedAt);
    recorder.phase('end_to_end', now - started);
    state.tokens = { refreshToken: tokens.refreshToken, idToken: tokens.idToken };
    recorder.approvedWithAcr(tokens.claims.acr);
    outcome = 'approved';
  } catch (err) {
    const code = err instanceof DeviceClientError ? err.code : undefined;
    if (ownerFailure) [outcome, reason] = ['failed', ownerFailure];
    else if (code === 'access_denied') outcome = 'denied';
    else if (code === 'expired_token') outcome = 'expired';
    else if (code === 'cancelled' && cancelled) outcome = 'cancelled';
    else [outcome, reason, message] = ['failed', reasonOf(err), (err as Error)?.message];
  } finally {
    stop.abort();
  }
  await ownerSide;
  recorder.flowEnded(outcome, expected, reason, message);
}

/** The reason of a failure: the device client's code, or the HTTP error's, or the message. */
function reasonOf(err: unknown): string {
  if (err instanceof DeviceClientError) return err.code;
  if (err && typeof err === 'object' && 'code' in err && typeof (err as any).code === 'string')
    return (err as any).code;
  return (err as Error)?.message ?? String(err);
}
