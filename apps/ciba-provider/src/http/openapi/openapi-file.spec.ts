import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ADMIN_BODIES } from '@onboard/ciba-core';
/** Where the document is committed (openapi-file.ts, which loads Prettier: not imported here). */
const OPENAPI_FILE = 'docs/openapi.yaml';
import { providerOpenApiDocument } from './provider-openapi';

const root = join(__dirname, '..', '..', '..', '..', '..');
const run = promisify(execFile);

describe('docs/openapi.yaml', () => {
  it('is what npm run docs:openapi generates (regenerate after changing the document or a body schema)', async () => {
    // A child process: Prettier loads its parsers with import(), which Jest's module loader lacks.
    const { stdout } = await run(
      process.execPath,
      ['-r', './scripts/ts-register.js', 'scripts/generate-openapi.ts', '--check'],
      { cwd: root },
    ).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`docs/openapi.yaml is stale: ${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    expect(stdout).toContain('is up to date');
  });

  it("shows the admin API's request bodies as the schemas its endpoints validate with", () => {
    const schemas = (parse(readFileSync(join(root, OPENAPI_FILE), 'utf8')) as any).components.schemas;
    expect(Object.keys(schemas.AdminOwnerInput.properties)).toEqual(Object.keys(ADMIN_BODIES.createOwner.properties));
    expect(schemas.AdminUserCodeInput).toMatchObject({ required: ['user_code'], additionalProperties: false });
    expect(Object.keys(schemas.AdminOwnerDeviceInput.properties)).toEqual(['name']);
  });

  it('is an OpenAPI 3.1 document', () => {
    expect(providerOpenApiDocument().openapi).toBe('3.1.0');
  });
});
