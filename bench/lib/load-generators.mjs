// The two load generators behind one interface, and the CPU pinning of the benchmark's
// processes. `native` (bench/native/loadgen.c, through lib/native-loadgen.mjs) is the default
// wherever a C compiler builds it: it has no garbage collector to pause the flows it times
// and uses a fraction of the CPU of `node` (bench/load.mjs), the JavaScript one, which
// remains for machines without a compiler and for comparison.
import { PingListener, runFlows } from '../load.mjs';
import { ProviderProcess } from './child.mjs';
import { pinningPlan, pinProcess } from './cpu-pinning.mjs';
import { NativeLoadGenerator, nativeLoadGeneratorAvailable } from './native-loadgen.mjs';

/**
 * Opens the load generator chosen by `setting` ('auto' | 'native' | 'node') and applies the
 * pinning chosen by `pin` ('auto' | 'on' | 'off'): provider processes started afterwards
 * (ProviderProcess) run on `plan.provider`, the load generator and this process on
 * `plan.generator`.
 *
 * @returns {Promise<{ kind: 'native'|'node', note?: string, pinning: object, pingPort: number,
 *   run: (target: object, options: object) => Promise<object>,
 *   cpuUsage: () => { user: number, system: number } | undefined, stop: () => Promise<void> }>}
 */
export async function openLoadGenerator({ setting = 'auto', pin = 'off' } = {}) {
  if (!['auto', 'native', 'node'].includes(setting)) throw new Error(`unknown load generator '${setting}'`);
  const pinning = pinningPlan(pin);
  if (!pinning.off) {
    ProviderProcess.cpus = pinning.provider;
    pinProcess(process.pid, pinning.generator);
  }
  let note;
  let kind = setting;
  if (setting !== 'node') {
    const available = nativeLoadGeneratorAvailable();
    if (available.ok) kind = 'native';
    else if (setting === 'native') throw new Error(`native load generator unavailable: ${available.reason}`);
    else {
      kind = 'node';
      note = `native load generator unavailable (${available.reason}); using the JavaScript one`;
    }
  }
  if (kind === 'native') {
    const generator = new NativeLoadGenerator();
    const pingPort = await generator.start();
    if (!pinning.off) pinProcess(generator.pid, pinning.generator);
    return {
      kind,
      note,
      pinning,
      pingPort,
      run: (target, options) => generator.run(target, options),
      // The native process reports its own CPU time with each run (result.generatorCpu).
      cpuUsage: () => undefined,
      stop: () => generator.stop(),
    };
  }
  const ping = new PingListener();
  const pingPort = (ping.port = await ping.start());
  return {
    kind,
    note,
    pinning,
    pingPort,
    run: (target, options) => runFlows(target, { ...options, ping }),
    cpuUsage: () => process.cpuUsage(),
    stop: () => ping.stop(),
  };
}

/** One line for the console: which load generator runs and where the processes are placed. */
export function describeSetup({ kind, pinning }) {
  const placed = pinning.off
    ? `not pinned (${pinning.off})`
    : `provider on CPU ${pinning.provider}, load generator on CPU ${pinning.generator}`;
  return `load generator: ${kind}; ${placed}`;
}
