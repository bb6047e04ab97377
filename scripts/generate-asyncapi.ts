// npm run docs:asyncapi: writes docs/asyncapi.yaml from scripts/asyncapi/asyncapi-document.ts and
// the payload schemas of @onboard/mqtt-contract. `--check` only compares and exits 1 on a difference.
import { ASYNCAPI_FILE, formattedAsyncApiYaml } from './asyncapi/asyncapi-file';
import { writeGeneratedDocument } from './generated-document';

writeGeneratedDocument(ASYNCAPI_FILE, formattedAsyncApiYaml, 'npm run docs:asyncapi');
