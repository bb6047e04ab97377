import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { createOwner, type TestOwner } from '../support/fixtures';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import {
  BRIDGE_AUDIENCE,
  registerHeadUnit,
  startRelayBridge,
  type TestBridge,
  type TestHeadUnit,
} from '../support/bridge';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const example = join(root, 'docs', 'examples', 'pair-head-unit.ts');
/** The same @types/node as the repository's, so the install can come from the local npm cache. */
const typesNode = `@types/node@${JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')).version}`;

/**
 * The device client as its users get it (docs/device-client.md): `npm pack` of libs/device-client,
 * installed into an empty project outside the repository, and the documented example
 * (docs/examples/pair-head-unit.ts) type-checked against the package's declarations and run there,
 * pairing a head-unit with an in-process provider and bridge: a real owner approval through the
 * provider's owner-device API, then one refresh over MQTT.
 */
describe('the packed device client, installed outside the repository', () => {
  let provider: TestProvider;
  let bridge: TestBridge;
  let owner: TestOwner;
  let bridgeDir: string;
  let project: string;

  beforeAll(async () => {
    bridgeDir = makeTempDir();
    project = mkdtempSync(join(tmpdir(), 'onboard-head-unit-'));
    provider = await startProvider();
    bridge = await startRelayBridge(provider, { dir: bridgeDir });
    owner = await createOwner(provider);
  });
  afterAll(async () => {
    await bridge?.close();
    await provider?.close();
    removeTempDir(bridgeDir);
    rmSync(project, { recursive: true, force: true });
  });

  it('packs, installs from the tarball alone and pairs a head-unit with the documented example', async () => {
    const sourcesBefore = await sourceChanges();
    // npm pack runs the package's prepack script: the tsdown build into libs/device-client/dist
    const packed = await run(
      'npm',
      ['pack', '--workspace', '@onboard/device-client', '--pack-destination', project, '--json'],
      {
        cwd: root,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('\n[') + 1)) as Array<{
      filename: string;
      size: number;
      unpackedSize: number;
      files: Array<{ path: string }>;
    }>;
    // the build writes into libs/device-client/dist alone, nothing beside the sources
    expect(await sourceChanges()).toBe(sourcesBefore);
    // only the build and the package's own files: no sources, specs or the monorepo's libraries
    expect(info.files.map((f) => f.path).sort()).toEqual([
      'README.md',
      'dist/index.d.mts',
      'dist/index.mjs',
      'package.json',
    ]);

    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'head-unit-app', version: '1.0.0', private: true, type: 'module' }),
    );
    const started = Date.now();
    const installed = await install(project, [`./${info.filename}`, typesNode]);
    const installMs = Date.now() - started;
    console.log(
      `@onboard/device-client tarball: ${info.size} bytes (${info.unpackedSize} unpacked); ` +
        `npm install ${installed} took ${installMs} ms`,
    );
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules/@onboard/device-client/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    // the runtime dependencies, from the versions the repository tests with, and nothing else
    const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(manifest.dependencies).toEqual(
      Object.fromEntries(['jose', 'mqtt', 'typebox'].map((name) => [name, `^${rootManifest.dependencies[name]}`])),
    );
    const bundle = readFileSync(join(project, 'node_modules/@onboard/device-client/dist/index.mjs'), 'utf8');
    const imported = new Set([...bundle.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1].split('/')[0]));
    expect([...imported].filter((name) => !name.startsWith('node:')).sort()).toEqual(['jose', 'mqtt', 'typebox']);

    // the example compiles against the package's declarations, as a head-unit maker's project would
    copyFileSync(example, join(project, 'pair-head-unit.ts'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          types: ['node'],
          // as most projects do: checking every dependency's own declarations (typebox's) takes minutes
          skipLibCheck: true,
        },
        files: ['pair-head-unit.ts'],
      }),
    );
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project }).catch(
      (err: { stdout?: string }) => {
        throw new Error(`the example does not type-check against the package:\n${err.stdout}`);
      },
    );
    const { outputText } = ts.transpileModule(readFileSync(example, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(project, 'pair-head-unit.mjs'), outputText);

    // keys made on the "device" by the package; the fleet operator registers their public part
    const deviceId = `hu-pkg-${Date.now().toString(36)}`;
    const keyFile = join(project, 'keys', `${deviceId}.json`);
    const { stdout: jwks } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { FileKeyStore } from '@onboard/device-client';
         console.log(JSON.stringify(await new FileKeyStore(${JSON.stringify(keyFile)}).getPublicJwks()));`,
      ],
      { cwd: project },
    );
    const [sig, enc] = (JSON.parse(jwks) as { keys: unknown[] }).keys;
    await registerHeadUnit(provider, bridge, {
      deviceId,
      sig: { publicJwk: sig },
      enc: { publicJwk: enc },
    } as unknown as TestHeadUnit);

    const child = spawn(process.execPath, ['pair-head-unit.mjs', owner.email], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        DEVICE_ID: deviceId,
        DEVICE_KEY_FILE: keyFile,
        MQTT_URL: bridge.mqttUrl,
        ISSUER: provider.issuer,
        BRIDGE_ADMIN_URL: `http://127.0.0.1:${bridge.httpPort}`,
        BRIDGE_AUDIENCE,
      },
    });
    let output = '';
    const waiting = new Promise<void>((resolveWaiting, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("waiting for the owner's approval")) resolveWaiting();
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', () => reject(new Error(`the example ended before asking the owner:\n${output}`)));
    });
    const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
    try {
      await waiting;
      // the owner approves on their phone: the provider's owner-device API
      await owner.device.approve(`Pair ${deviceId}`);
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
    expect(output).toContain(`paired with owner ${owner.sub}; DPoP access token`);
    expect(output).toMatch(/refreshed; new access token valid \d+ s/);
  }, 120_000);
});

/** What git sees changed or new in the sources of the package and of the contract it bundles. */
async function sourceChanges(): Promise<string> {
  const { stdout } = await run('git', ['status', '--porcelain', '--', 'libs/device-client', 'libs/mqtt-contract'], {
    cwd: root,
  });
  return stdout;
}

/**
 * `npm install` in the empty project, from the local npm cache alone when it holds everything
 * (`--offline`); otherwise the registry is asked for what is missing (`--prefer-offline`).
 * Returns the mode that worked.
 */
async function install(project: string, specs: string[]): Promise<string> {
  const args = ['install', ...specs, '--no-audit', '--no-fund', '--ignore-scripts'];
  try {
    await run('npm', [...args, '--offline'], { cwd: project });
    return '--offline';
  } catch (err) {
    if (!String((err as { stderr?: string }).stderr).includes('ENOTCACHED')) throw err;
    await run('npm', [...args, '--prefer-offline'], { cwd: project });
    return '--prefer-offline';
  }
}
