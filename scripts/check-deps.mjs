#!/usr/bin/env node
// Dependency rule check (STYLE §1, §4): fails when a file under libs/ imports
// @nestjs/* or anything under apps/, or when any file deep-imports a library
// (@onboard/<lib>/<path> or a relative path into libs/<lib>/src/...). The test
// authenticator libs/soft-authenticator imports no other library (the server
// libraries least of all), and only specs, test/, bench/ and device-sim/ import it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

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
    if (ownLib === 'soft-authenticator') {
      const outside =
        spec.startsWith('.') && !relative(root, resolve(dirname(file), spec)).startsWith('libs/soft-authenticator/');
      // its own name appears only in the TSDoc examples the import pattern also matches
      if ((spec.startsWith('@onboard/') && spec !== '@onboard/soft-authenticator') || outside)
        problems.push(`${rel}: imports ${spec} (soft-authenticator imports no other library)`);
    }
    const isTest = /\.(spec|e2e-spec|spec-helper)\.ts$/.test(rel);
    if (
      spec === '@onboard/soft-authenticator' &&
      (rel.startsWith('apps/') || inLib) &&
      !isTest &&
      ownLib !== 'soft-authenticator'
    )
      problems.push(`${rel}: imports ${spec} (a test authenticator: only specs, test/, bench/ and device-sim/ may)`);
  }
}
if (problems.length) {
  console.error(`Dependency check failed (${problems.length}):\n` + problems.map((p) => `  ${p}`).join('\n'));
  process.exit(1);
}
console.log(`Dependency check passed: ${files.length} files, libs/ free of @nestjs/* and deep imports.`);
