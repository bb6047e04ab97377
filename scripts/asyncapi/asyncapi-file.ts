import { format, resolveConfig } from 'prettier';
import { renderAsyncApiYaml } from './asyncapi-document';

/** Where the document is committed, from the repository root. */
export const ASYNCAPI_FILE = 'docs/asyncapi.yaml';

/** The document exactly as committed: the YAML formatted by the repository's Prettier settings. */
export async function formattedAsyncApiYaml(): Promise<string> {
  const options = (await resolveConfig(ASYNCAPI_FILE)) ?? {};
  return format(renderAsyncApiYaml(), { ...options, parser: 'yaml' });
}
