/** Options of {@link securityHeaders}. */
export interface SecurityHeaderOptions {
  /** The service is reached over https (its issuer or public URL): add Strict-Transport-Security. */
  https: boolean;
}

/**
 * The headers every HTTP response of the provider and the bridge carries, whatever route
 * answers: a browser that loads one of these JSON responses must not sniff it into HTML or
 * script, frame it, or leak the URL in a Referer. `cache-control: no-store` is the default
 * for responses that set none (tokens and personal data must not be cached, RFC 6749 §5.1);
 * discovery and the JWKS set their own. With https, Strict-Transport-Security (RFC 6797)
 * for a year.
 *
 * @example
 * for (const [name, value] of Object.entries(securityHeaders({ https: true }))) res.setHeader(name, value);
 */
export function securityHeaders(options: SecurityHeaderOptions): Readonly<Record<string, string>> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // An API: nothing is ever loaded from a response, and no page may frame it.
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    ...(options.https ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}
