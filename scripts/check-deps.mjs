#!/usr/bin/env node
// Dependency rule check (STYLE §1, §4): fails when a file under libs/ imports
// @nestjs/* or anything under apps/, or when any file deep-imports a library
// (@onboard/<lib>/<path> or a relative path into libs/<lib>/src/...).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', 'dist', 'coverage', 'data', '.git']);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts')) files.push(path);
  }
};
for (const top of ['apps', 'libs', 'test', 'device-sim', 'bench']) {
  try {
    walk(join(root, top));
  } catch {
    /* folder absent */
  }
}

const importRe =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems = [];
for (const file of files) {
  const rel = relative(root, file);
  const inLib = rel.startsWith('libs/');
  const ownLib = inLib ? rel.split('/')[1] : undefined;
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (inLib && spec.startsWith('@nestjs/'))
      problems.push(`${rel}: imports ${spec} (libs/ must not import @nestjs/*)`);
    if (inLib && /(^|\/)apps\//.test(spec)) problems.push(`${rel}: imports ${spec} (libs/ must not import apps/)`);
    if (/^@onboard\/[^/]+\/.+/.test(spec)) problems.push(`${rel}: deep import ${spec} (use the alias root)`);
    const intoLib = spec.match(/(?:^|\/)libs\/([^/]+)\/src/);
    if (spec.startsWith('.') && intoLib && intoLib[1] !== ownLib) {
      problems.push(`${rel}: relative import into libs/${intoLib[1]} (use @onboard/${intoLib[1]})`);
    }
  }
}
if (problems.length) {
  console.error(`Dependency check failed (${problems.length}):\n` + problems.map((p) => `  ${p}`).join('\n'));
  process.exit(1);
}
console.log(`Dependency check passed: ${files.length} files, libs/ free of @nestjs/* and deep imports.`);
