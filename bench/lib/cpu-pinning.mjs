// CPU pinning for the benchmark: the provider under test on one CPU, the load generator on
// the others. The load generator stands in for clients and phones that, in service, run on
// other machines; sharing the provider's CPUs, it takes CPU time from the provider, and the
// two wait for each other's time slices (see docs/decisions/0008-benchmark-method.md). Linux only, through
// util-linux's `taskset`; elsewhere, or on a single CPU, nothing is pinned and the report says so.
import { execFileSync } from 'node:child_process';
import { availableParallelism, platform } from 'node:os';

/**
 * The pinning plan for `setting` ('auto' | 'on' | 'off'): `{ provider, generator }` as
 * taskset CPU lists, or `{ off: reason }`. 'on' fails where pinning is impossible; 'auto'
 * falls back to no pinning with the reason.
 */
export function pinningPlan(setting = 'auto') {
  if (setting === 'off') return { off: 'turned off (--pin off)' };
  const cpus = availableParallelism();
  let reason;
  if (platform() !== 'linux') reason = `not Linux (${platform()})`;
  else if (cpus < 2) reason = 'a single CPU';
  else if (!hasTaskset()) reason = 'taskset (util-linux) not found';
  if (reason) {
    if (setting === 'on') throw new Error(`--pin on: cannot pin: ${reason}`);
    return { off: reason };
  }
  return { provider: '0', generator: cpus === 2 ? '1' : `1-${cpus - 1}` };
}

function hasTaskset() {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of process `pid` (and the threads it creates later) to `cpus`. */
export function pinProcess(pid, cpus) {
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: 'ignore' });
}
