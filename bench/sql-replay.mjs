#!/usr/bin/env node
// Replays the SQLite writes of saturated ping flows through the real stores and counts
// what they cost: WAL frames (pages written) per flow, per b-tree, and CPU per flow.
//   npm run build && node bench/sql-replay.mjs [--flows 400] [--lanes 8] [--repeats 5] [--compare]
// --compare also replays on a second database with the newest migration reverted (its
// `down`), repetitions interleaved, so one run shows the schema change's effect.
// See docs/decisions/0006-sqlite-pages-per-flow.md.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..');
const dist = (file) => require(resolve(root, 'dist/libs/provider-store/src', file));
const { openStores } = dist('index.js');
const { ALL_MIGRATIONS } = dist('migrations/all-migrations.js');
const Database = require('better-sqlite3');
const { DataSource } = require('typeorm');

const { values: args } = parseArgs({
  options: {
    flows: { type: 'string', default: '400' },
    lanes: { type: 'string', default: '8' },
    repeats: { type: 'string', default: '5' },
    compare: { type: 'boolean', default: false },
  },
});
const FLOWS = Number(args.flows);
const LANES = Number(args.lanes);
const REPEATS = Number(args.repeats);
if (FLOWS % LANES !== 0) throw new Error('--flows must be a multiple of --lanes');

const T0 = 1_800_000_000_000;
const OWNERS = 50;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** A deterministic stand-in for the CSPRNG: same ids, hashes and owners on every run. */
function generator(seed) {
  let state = seed >>> 0;
  const next32 = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const hex = (n) => next32().toString(16).padStart(8, '0').slice(0, n);
  return {
    /** UUIDv7 layout (RFC 9562 §5.7): 48 bits of ms, then pseudo-random bits. */
    uuid(ms) {
      const t = ms.toString(16).padStart(12, '0');
      return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(3)}-${((next32() & 0x3fff) | 0x8000).toString(16)}-${hex(4)}${hex(8)}`;
    },
    token: () => createHash('sha256').update(hex(8)).update(hex(8)).digest('base64url'),
    pick: (n) => next32() % n,
  };
}

/**
 * One ping flow's writes, in the order and grouping the provider issues them
 * (create-auth-request, announce, complete-auth-request, the delivery worker, the CIBA
 * grant). Each awaited write joins the group commit of its turn of the event loop.
 */
async function flow(stores, rng, n) {
  const now = T0 + n * 10;
  const authReqId = rng.token();
  const sub = `owner-${rng.pick(OWNERS)}`;
  const request = {
    id: rng.uuid(now),
    authReqIdHash: createHash('sha256').update(authReqId).digest('base64url'),
    clientId: 'bench-ping-client',
    sub,
    scope: 'openid profile',
    bindingMessage: `Bench ${n % 10_000}`,
    deliveryMode: 'ping',
    clientNotificationToken: rng.token(),
    deliveryAuthReqId: authReqId,
    status: 'pending',
    createdAt: now,
    expiresAt: now + 120_000,
    interval: 2,
  };
  await stores.authRequests.create(request);
  await stores.audit.append({
    id: rng.uuid(now),
    at: now,
    type: 'auth_request.created',
    clientId: request.clientId,
    sub,
    authRequestId: request.id,
    data: { deliveryMode: 'ping', signed: false, expiresAt: request.expiresAt },
  });
  const approvedAt = now + 3;
  const message = await stores.transaction(async (tx) => {
    const updated = await tx.authRequests.transition(
      request.id,
      'pending',
      {
        status: 'approved',
        authTime: approvedAt,
        approvedAt,
        acr: 'urn:onboard:acr:device',
        amr: ['hwk'],
        approvedBy: 'device-1',
      },
      { sub, liveAt: approvedAt },
    );
    if (!updated) throw new Error('approve failed');
    await tx.audit.append({
      id: rng.uuid(approvedAt),
      at: approvedAt,
      type: 'auth_request.approved',
      clientId: updated.clientId,
      sub,
      authRequestId: updated.id,
      data: { deviceId: 'device-1', acr: 'urn:onboard:acr:device' },
    });
    const queued = {
      id: rng.uuid(approvedAt),
      authRequestId: updated.id,
      clientId: updated.clientId,
      url: 'http://127.0.0.1:9000/cb',
      bearer: updated.clientNotificationToken,
      body: JSON.stringify({ auth_req_id: authReqId }),
      attempts: 1,
      nextAttemptAt: approvedAt + 30_000,
      status: 'pending',
      createdAt: approvedAt,
    };
    await tx.outbox.enqueue(queued);
    return queued;
  });
  await stores.outbox.update(message.id, { status: 'delivered', lastError: undefined });
  const tokenAt = now + 6;
  const consumed = await stores.transaction(async (tx) => {
    const done = await tx.authRequests.transition(
      { authReqIdHash: request.authReqIdHash },
      'approved',
      { status: 'consumed', consumedAt: tokenAt },
      { clientId: request.clientId, liveAt: tokenAt, dpopJktAllowed: null },
    );
    if (done) {
      await tx.audit.append({
        id: rng.uuid(tokenAt),
        at: tokenAt,
        type: 'tokens.issued',
        clientId: done.clientId,
        sub,
        authRequestId: done.id,
        data: { scope: done.scope, refreshToken: false },
      });
    }
    return done;
  });
  if (!consumed) throw new Error('consume failed');
}

const tick = () => new Promise((r) => setImmediate(r));

/** `flows` flows on `lanes` concurrent lanes, lane i started i turns late so commits mix steps. */
async function replay(stores, rng, first, flows) {
  let nextFlow = first;
  const end = first + flows;
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      for (let i = 0; i < lane % 5; i++) await tick();
      while (nextFlow < end) await flow(stores, rng, nextFlow++);
    }),
  );
}

/** A database opened through the store library's own open path (migrations, WAL, group commit). */
async function openTarget(dir, name, revert) {
  const file = join(dir, `${name}.sqlite`);
  const stores = await openStores({ databaseUrl: `sqlite:${file}` });
  if (revert) {
    // The previous schema: the newest migration's `down`, on a connection of our own.
    const ds = new DataSource({ type: 'better-sqlite3', database: file, migrations: ALL_MIGRATIONS, entities: [] });
    await ds.initialize();
    await ds.undoLastMigration({ transaction: 'all' });
    await ds.destroy();
  }
  const probe = new Database(file);
  probe.pragma('busy_timeout = 5000');
  const pageSize = probe.pragma('page_size', { simple: true });
  return { name, file, stores, probe, pageSize, rng: generator(0x5eed), flowsDone: 0, results: [] };
}

/** Checkpoints and empties the WAL, then pins a read snapshot so no checkpoint can restart it. */
function resetWal(target) {
  for (;;) {
    const [row] = target.probe.pragma('wal_checkpoint(TRUNCATE)');
    if (row.busy === 0 && statSync(`${target.file}-wal`).size === 0) break;
  }
  target.probe.exec('BEGIN');
  target.probe.prepare('SELECT count(*) FROM sqlite_schema').get();
}

/** Frames and commits in the WAL, and frames per b-tree (page numbers named by dbstat). */
function readWal(target) {
  target.probe.exec('COMMIT');
  const wal = readFileSync(`${target.file}-wal`);
  const frameSize = FRAME_HEADER + target.pageSize;
  const owner = new Map(
    target.probe
      .prepare('SELECT name, pageno FROM dbstat')
      .all()
      .map((r) => [r.pageno, r.name]),
  );
  let frames = 0;
  let commits = 0;
  const perTree = new Map();
  for (let at = WAL_HEADER; at + frameSize <= wal.length; at += frameSize) {
    frames++;
    const page = wal.readUInt32BE(at);
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
    const name = owner.get(page) ?? '(free)';
    perTree.set(name, (perTree.get(name) ?? 0) + 1);
  }
  return { frames, commits, perTree };
}

async function repetition(target, flows) {
  resetWal(target);
  const cpu = process.cpuUsage();
  await replay(target.stores, target.rng, target.flowsDone, flows);
  const used = process.cpuUsage(cpu);
  target.flowsDone += flows;
  const wal = readWal(target);
  return { ...wal, cpuUsPerFlow: (used.user + used.system) / flows };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fixed = (x, digits = 2) => x.toFixed(digits);

const dir = mkdtempSync(join(tmpdir(), 'onboard-sql-replay-'));
try {
  const targets = [await openTarget(dir, 'current', false)];
  if (args.compare) targets.push(await openTarget(dir, 'previous', true));
  // Warm-up: statements prepared, JIT settled, tables past their first pages.
  for (const target of targets) await repetition(target, FLOWS);
  for (let r = 0; r < REPEATS; r++) {
    for (const target of r % 2 ? [...targets].reverse() : targets) target.results.push(await repetition(target, FLOWS));
  }
  console.log(
    `${FLOWS} flows per repetition on ${LANES} lanes, ${REPEATS} repetitions after one warm-up, ` +
      `page size ${targets[0].pageSize}`,
  );
  for (const target of targets) {
    const rs = target.results;
    const last = rs[rs.length - 1];
    console.log(`\n${target.name} schema (${ALL_MIGRATIONS.length - (target.name === 'previous' ? 1 : 0)} migrations)`);
    console.log(
      `  WAL frames per flow   ${fixed(median(rs.map((x) => x.frames / FLOWS)))}` +
        `  (repetitions: ${rs.map((x) => fixed(x.frames / FLOWS)).join(', ')})`,
    );
    console.log(`  commits per flow      ${fixed(median(rs.map((x) => x.commits / FLOWS)), 3)}`);
    console.log(
      `  CPU µs per flow       ${fixed(median(rs.map((x) => x.cpuUsPerFlow)), 0)}` +
        `  (repetitions: ${rs.map((x) => fixed(x.cpuUsPerFlow, 0)).join(', ')})`,
    );
    console.log('  frames per flow by b-tree, last repetition:');
    for (const [name, n] of [...last.perTree].sort((a, b) => b[1] - a[1])) {
      console.log(`    ${name.padEnd(40)} ${fixed(n / FLOWS)}`);
    }
  }
  for (const target of targets) {
    await target.stores.close();
    target.probe.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
