import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WireResponse } from '@onboard/ciba-core';
import { parse } from 'yaml';

/** Where docs/openapi.yaml lives: the first `docs/openapi.yaml` above this file (source or dist). */
export function findOpenApiFile(start = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'docs', 'openapi.yaml');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`docs/openapi.yaml not found above ${start}`);
  }
}

/** Read docs/openapi.yaml, the one source of the API description, once at boot. */
export function loadOpenApiDocument(file = findOpenApiFile()): Record<string, unknown> {
  return parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** GET /openapi.json: the document with `servers` pointing at this provider's issuer. */
export function openApiResponse(document: Record<string, unknown>, issuer: string): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
    body: { ...document, servers: [{ url: issuer, description: 'this provider' }] },
  };
}
