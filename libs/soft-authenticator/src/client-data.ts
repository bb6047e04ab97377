import { isIP } from 'node:net';
import { SoftAuthenticatorError } from './errors';

/**
 * The client data JSON a browser hands to the authenticator (WebAuthn §5.8.1), its members in the
 * order the spec's serialization fixes (type, challenge, origin, crossOrigin), so that relying
 * parties using the limited verification algorithm of §5.8.1.2 accept it as well.
 */
export function clientDataJSON(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string) {
  return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/**
 * The RP ID of a ceremony, checked as a browser checks it before it talks to an authenticator
 * (WebAuthn §5.1.3 for create, §5.1.4 for get): the origin must be a secure context (https, or
 * http on localhost), its host must be a domain (an IP address is not a valid RP ID), and the RP ID
 * (default: the origin's host) must be that host or a parent domain of it. Browsers also refuse a
 * public suffix (`com`, `co.uk`) as RP ID; without the Public Suffix List this check refuses only
 * single-label parents.
 */
export function resolveRpId(origin: string, requestedRpId: unknown, member: string): string {
  const url = typeof origin === 'string' && URL.canParse(origin) ? new URL(origin) : undefined;
  if (!url || url.origin !== origin) {
    throw new SoftAuthenticatorError(
      'invalid_argument',
      `origin must be a serialized origin such as https://owner.example.com (scheme, host, optional port; no path or trailing slash), got "${origin}"`,
    );
  }
  const host = url.hostname;
  // Before the secure-context check: http://127.0.0.1 is a secure context, but still no RP ID.
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
    throw new SoftAuthenticatorError(
      'security_error',
      `${host} is an IP address, which is not a valid RP ID: open the page by its domain name`,
    );
  }
  const isLocalhost = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalhost)) {
    throw new SoftAuthenticatorError(
      'security_error',
      `origin ${origin} is not a secure context (use https, or http://localhost)`,
    );
  }
  if (requestedRpId === undefined) return host;
  if (typeof requestedRpId !== 'string' || requestedRpId === '') {
    throw new SoftAuthenticatorError('invalid_options', `${member} must be a non-empty string when present`);
  }
  const parentOk = host.endsWith(`.${requestedRpId}`) && (requestedRpId.includes('.') || requestedRpId === 'localhost');
  if (requestedRpId !== host && !parentOk) {
    throw new SoftAuthenticatorError(
      'security_error',
      `${member} "${requestedRpId}" is neither the origin's host "${host}" nor a registrable parent domain of it`,
    );
  }
  return requestedRpId;
}
