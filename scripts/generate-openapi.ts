// npm run docs:openapi: writes docs/openapi.yaml from the provider's document
// (apps/ciba-provider/src/http/openapi). `--check` only compares and exits 1 on a difference.
import { OPENAPI_FILE, formattedOpenApiYaml } from '../apps/ciba-provider/src/http/openapi/openapi-file';
import { writeGeneratedDocument } from './generated-document';

writeGeneratedDocument(OPENAPI_FILE, formattedOpenApiYaml, 'npm run docs:openapi');
