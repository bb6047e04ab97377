// Checks of lib/cpu-pinning.mjs: the plan, and that a pinned process's threads stay on the
// CPUs it was pinned to. Where pinning is impossible the last two are skipped, with the
// reason, unless BENCH_REQUIRE_PINNING=1 (set by .ci/run) makes them fail.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, platform } from 'node:os';
import test from 'node:test';

import { pinningPlan, pinProcess } from '../lib/cpu-pinning.mjs';

const maySkip = process.env.BENCH_REQUIRE_PINNING !== '1';

/** The plan 'auto' gives here; off only where skipping is allowed ('on' throws the reason). */
const planHere = () => (maySkip ? pinningPlan('auto') : pinningPlan('on'));

test('pinning can be turned off', () => {
  assert.deepEqual(pinningPlan('off'), { off: 'turned off (--pin off)' });
});

test('the provider gets CPU 0 and the load generator the others, where pinning is possible', (t) => {
  const plan = planHere();
  if (plan.off) return t.skip(`no pinning here: ${plan.off}`);
  assert.equal(plan.provider, '0');
  const cpus = availableParallelism();
  assert.equal(plan.generator, cpus === 2 ? '1' : `1-${cpus - 1}`);
});

test('a pinned process and every one of its threads run only on the CPUs given', async (t) => {
  const plan = planHere();
  if (plan.off) return t.skip(`no pinning here: ${plan.off}`);
  assert.equal(platform(), 'linux');
  // A Node process starts several threads (V8's platform workers, libuv) in its first moments;
  // on a busy machine that can take a while, so wait until they are there.
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
  try {
    const threads = () => readdirSync(`/proc/${child.pid}/task`);
    for (let waited = 0; threads().length < 2 && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    pinProcess(child.pid, plan.generator);
    const tasks = threads();
    assert.ok(tasks.length > 1, 'expected several threads');
    for (const tid of tasks) {
      const status = readFileSync(`/proc/${child.pid}/task/${tid}/status`, 'utf8');
      assert.match(status, new RegExp(`^Cpus_allowed_list:\\s+${plan.generator}$`, 'm'));
    }
  } finally {
    child.kill();
  }
});
