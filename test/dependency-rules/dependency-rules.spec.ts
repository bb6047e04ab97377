import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The dependency rules (.dependency-cruiser.cjs, `npm run check:deps`) run on a small tree of
// their own: each forbidden import below must be reported under its rule, and the allowed
// ones must not be.
const root = path.resolve(__dirname, '../..');
const depcruise = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

const LIBS = [
  'platform',
  'ciba-core',
  'bridge-core',
  'mqtt-contract',
  'device-client',
  'sql-kit',
  'provider-store',
  'config',
  'soft-authenticator',
];

/** The fixture tree: path → source. */
const FILES: Record<string, string> = {
  // --- allowed ---
  'libs/platform/src/index.ts': `export const platform = 1;\n`,
  'libs/ciba-core/src/index.ts': `export { platform } from '@onboard/platform';\nexport const core = 1;\n`,
  'libs/ciba-core/src/internal.ts': `export const internal = 1;\n`,
  'libs/bridge-core/src/index.ts': `import '@onboard/platform';\nimport '@onboard/mqtt-contract';\n`,
  'libs/mqtt-contract/src/index.ts': `export const contract = 1;\n`,
  'libs/device-client/src/index.ts': `import '@onboard/mqtt-contract';\n`,
  'libs/sql-kit/src/index.ts': `import '@onboard/platform';\n`,
  'libs/sql-kit/src/testing/index.ts': `export const postgresForTests = 1;\n`,
  'libs/provider-store/src/index.ts': `import '@onboard/ciba-core';\nimport '@onboard/sql-kit';\n`,
  'libs/provider-store/src/testing/index.ts': `export const contract = 1;\n`,
  'libs/provider-store/src/stores.spec.ts': `import '@onboard/sql-kit/testing';\nimport '@onboard/soft-authenticator';\n`,
  'libs/soft-authenticator/src/index.ts': `export const authenticator = 1;\n`,
  'libs/config/src/index.ts': `export * from './config';\nexport * from './bridge-config';\n`,
  'libs/config/src/config.ts': `export { core } from '@onboard/ciba-core';\n`,
  'apps/ciba-provider/src/main.ts': `import '@nestjs/common';\nimport '@onboard/ciba-core';\nimport '@onboard/provider-store';\n`,
  'apps/mqtt-bridge/src/main.ts': `import '@onboard/bridge-core';\nimport '@onboard/config';\n`,
  'test/system.e2e-spec.ts': `import '@onboard/provider-store/testing';\nimport '@onboard/ciba-core';\n`,

  // --- forbidden ---
  'libs/bridge-core/src/uses-provider-core.ts': `import '@onboard/ciba-core';\n`,
  'libs/device-client/src/uses-platform.ts': `import '@onboard/platform';\n`,
  'libs/mqtt-contract/src/uses-bridge-core.ts': `import '@onboard/bridge-core';\n`,
  'libs/ciba-core/src/uses-nest.ts': `import '@nestjs/common';\n`,
  'libs/platform/src/uses-app.ts': `import '../../../apps/ciba-provider/src/main';\n`,
  'libs/sql-kit/src/cycle-a.ts': `import { b } from './cycle-b';\nexport const a = b;\n`,
  'libs/sql-kit/src/cycle-b.ts': `import type { a } from './cycle-a';\nexport const b = 1 as unknown as typeof a;\n`,
  'libs/config/src/bridge-config.ts': `import './config';\n`,
  'apps/ciba-provider/src/deep-import.ts': `import { internal } from '../../../libs/ciba-core/src/internal';\nexport const x = internal;\n`,
  'apps/ciba-provider/src/deep-alias.ts': `import '@onboard/ciba-core/src/internal';\n`,
  'apps/ciba-provider/src/contract-in-production.ts': `import '@onboard/provider-store/testing';\n`,
  'apps/ciba-provider/src/authenticator-in-production.ts': `import '@onboard/soft-authenticator';\n`,
  'apps/mqtt-bridge/src/uses-provider-store.ts': `import '@onboard/provider-store';\n`,
  'apps/mqtt-bridge/src/uses-provider-app.ts': `import '../../ciba-provider/src/main';\n`,
};

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Runs dependency-cruiser as `npm run check:deps` does, in `cwd`, with the given output type. */
function cruise(cwd: string, outputType: 'err' | 'json'): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        depcruise,
        'apps',
        'libs',
        'test',
        '--config',
        path.join(root, '.dependency-cruiser.cjs'),
        '--output-type',
        outputType,
      ],
      { cwd, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!stdout) return reject(new Error(`dependency-cruiser printed nothing: ${stderr || error?.message}`));
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout });
      },
    );
  });
}

describe('the dependency rules (.dependency-cruiser.cjs)', () => {
  let dir: string;
  let check: { code: number; stdout: string };
  let violations: Violation[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-depcruise-'));
    for (const [file, source] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), source);
    }
    const paths: Record<string, string[]> = {};
    for (const lib of LIBS) {
      paths[`@onboard/${lib}`] = [`./libs/${lib}/src/index.ts`];
      paths[`@onboard/${lib}/testing`] = [`./libs/${lib}/src/testing/index.ts`];
    }
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'node20', moduleResolution: 'node16', paths } }),
    );
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    check = await cruise(dir, 'err');
    violations = (JSON.parse((await cruise(dir, 'json')).stdout) as { summary: { violations: Violation[] } }).summary
      .violations;
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const reported = (rule: string) =>
    violations.filter((violation) => violation.rule.name === rule).map((violation) => violation.from);

  it('fails the check, naming the rule and the import', () => {
    expect(check.code).not.toBe(0);
    expect(check.stdout).toContain('error bridge-side-not-to-provider: libs/bridge-core/src/uses-provider-core.ts');
  });

  it.each([
    ['bridge-side-not-to-provider', 'libs/bridge-core/src/uses-provider-core.ts'],
    ['bridge-side-not-to-provider', 'apps/mqtt-bridge/src/uses-provider-store.ts'],
    ['bridge-libs-never-reach-provider', 'libs/bridge-core/src/uses-provider-core.ts'],
    ['bridge-libs-never-reach-provider', 'libs/config/src/bridge-config.ts'],
    ['lib-bridge-core', 'libs/bridge-core/src/uses-provider-core.ts'],
    ['lib-device-client', 'libs/device-client/src/uses-platform.ts'],
    ['lib-mqtt-contract', 'libs/mqtt-contract/src/uses-bridge-core.ts'],
    ['nest-only-in-apps-and-nest-http', 'libs/ciba-core/src/uses-nest.ts'],
    ['libs-not-to-apps', 'libs/platform/src/uses-app.ts'],
    ['no-circular', 'libs/sql-kit/src/cycle-a.ts'],
    ['no-deep-imports', 'apps/ciba-provider/src/deep-import.ts'],
    ['not-to-unresolvable', 'apps/ciba-provider/src/deep-alias.ts'],
    ['testing-entry-points-from-tests-only', 'apps/ciba-provider/src/contract-in-production.ts'],
    ['soft-authenticator-from-tests-only', 'apps/ciba-provider/src/authenticator-in-production.ts'],
    ['apps-apart', 'apps/mqtt-bridge/src/uses-provider-app.ts'],
  ])('reports %s for %s', (rule, from) => {
    expect(reported(rule)).toContain(from);
  });

  it('reports nothing for the allowed imports', () => {
    const forbidden = new Set(
      Object.keys(FILES).slice(Object.keys(FILES).indexOf('libs/bridge-core/src/uses-provider-core.ts')),
    );
    // The files that only reach a forbidden one are reported for the cycle or reachability, never themselves.
    const wrong = violations.filter(
      (violation) => !forbidden.has(violation.from) && violation.rule.name !== 'no-circular',
    );
    expect(wrong).toEqual([]);
  });
});
