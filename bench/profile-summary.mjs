#!/usr/bin/env node
// Summarises a V8 .cpuprofile (written with BENCH_CPU_PROF=<dir>): self time per
// function and per package/file group, heaviest first.
//   node bench/profile-summary.mjs <file.cpuprofile> [top=30] [last-ms]
// With last-ms, only the samples of the profile's last last-ms milliseconds (for example
// the measured flows of a run, after its warm-up).
import { readFileSync } from 'node:fs';

const [file, topArg, lastArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
const from = lastArg ? profile.endTime - Number(lastArg) * 1000 : -Infinity;
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (at < from) continue;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const fns = new Map();
const groups = new Map();
const groupOf = (url) => {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 1).replace(/^file:\/\//, '') : url.replace(/^file:\/\//, '');
};
for (const [id, us] of selfUs) {
  const { callFrame } = byId.get(id);
  const key = `${callFrame.functionName || '(anonymous)'}  ${groupOf(callFrame.url)}:${callFrame.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  const group = groupOf(callFrame.url);
  groups.set(group, (groups.get(group) ?? 0) + us);
}
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
  }
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by file / package', groups);
print('self time by function', fns);
