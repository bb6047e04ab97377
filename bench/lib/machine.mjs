// What a benchmark report says of the machine it ran on.
import { cpus, release, totalmem } from 'node:os';

/** CPU count and model, memory, Node.js and kernel versions. */
export function machineFacts() {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
}
