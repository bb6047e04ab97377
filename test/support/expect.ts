import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { PATHS } from '@onboard/ciba-core';
import { get, type HttpResult } from './http';
import type { TestProvider } from './provider';

/**
 * Assert an OAuth error response: status, `error` code, JSON body, no-store.
 * The message shows the whole body on failure.
 */
export function expectOAuthError(res: HttpResult, status: number, error: string): void {
  const seen = `${res.status} ${res.text}`;
  expect({ status: res.status, error: res.json?.error, seen }).toEqual({ status, error, seen });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  // RFC 6749 §5.2 / CIBA §13: error, error_description, error_uri and nothing else.
  expect(Object.keys(res.json).filter((k) => !['error', 'error_description', 'error_uri'].includes(k))).toEqual([]);
  expect(res.headers['cache-control']).toContain('no-store');
}

/** Assert a success and return the JSON body. */
export function expectOk(res: HttpResult, status = 200): any {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${res.text}`);
  return res.json;
}

/** Verify a JWT issued by the provider against its published JWKS. */
export async function verifyProviderJwt(
  p: TestProvider,
  jwt: string,
  options: { audience?: string; typ?: string } = {},
): Promise<{ payload: JWTPayload & Record<string, any>; header: Record<string, any> }> {
  const jwks = await get(p.at(PATHS.jwks));
  const set = createLocalJWKSet(jwks.json);
  const { payload, protectedHeader } = await jwtVerify(jwt, set, {
    issuer: p.issuer,
    ...(options.audience ? { audience: options.audience } : {}),
    ...(options.typ ? { typ: options.typ } : {}),
  });
  return { payload: payload as JWTPayload & Record<string, any>, header: protectedHeader };
}
