// npm run docs:asyncapi: writes docs/asyncapi.yaml from scripts/asyncapi/asyncapi-document.ts and
// the payload schemas of @onboard/mqtt-contract. `--check` only compares and exits 1 on a difference.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASYNCAPI_FILE, formattedAsyncApiYaml } from './asyncapi/asyncapi-file';

async function main(): Promise<number> {
  const file = join(__dirname, '..', ASYNCAPI_FILE);
  const generated = await formattedAsyncApiYaml();
  if (process.argv.includes('--check')) {
    const same = readFileSync(file, 'utf8') === generated;
    console.log(same ? `${ASYNCAPI_FILE} is up to date` : `${ASYNCAPI_FILE} differs: run npm run docs:asyncapi`);
    return same ? 0 : 1;
  }
  writeFileSync(file, generated);
  console.log(`wrote ${ASYNCAPI_FILE}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
