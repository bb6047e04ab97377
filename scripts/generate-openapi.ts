// npm run docs:openapi: writes docs/openapi.yaml from the provider's document
// (apps/ciba-provider/src/http/openapi). `--check` only compares and exits 1 on a difference.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENAPI_FILE, formattedOpenApiYaml } from '../apps/ciba-provider/src/http/openapi/openapi-file';

async function main(): Promise<number> {
  const file = join(__dirname, '..', OPENAPI_FILE);
  const generated = await formattedOpenApiYaml();
  if (process.argv.includes('--check')) {
    const same = readFileSync(file, 'utf8') === generated;
    console.log(same ? `${OPENAPI_FILE} is up to date` : `${OPENAPI_FILE} differs: run npm run docs:openapi`);
    return same ? 0 : 1;
  }
  writeFileSync(file, generated);
  console.log(`wrote ${OPENAPI_FILE}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
