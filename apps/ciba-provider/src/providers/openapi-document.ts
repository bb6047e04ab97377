import type { WireResponse } from '@onboard/ciba-core';

/** GET /openapi.json: the document with `servers` pointing at this provider's issuer. */
export function openApiResponse(document: Record<string, unknown>, issuer: string): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
    body: { ...document, servers: [{ url: issuer, description: 'this provider' }] },
  };
}
