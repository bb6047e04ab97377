import { hash, timingSafeEqual } from 'node:crypto';

/** CIBA §7.1: the token is at most 1024 characters; longer bearer values are refused unhashed. */
export const MAX_NOTIFICATION_TOKEN_LENGTH = 1024;

/**
 * base64url SHA-256 of a `client_notification_token`. The bridge stores and looks up only this
 * hash, so neither a stolen database nor the time a lookup takes reveals the token.
 */
export function hashNotificationToken(token: string): string {
  return hash('sha256', token, 'base64url');
}

/** Constant-time comparison of two token hashes. */
export function notificationTokenHashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The token from an `Authorization: Bearer` header (RFC 6750 §2.1), or undefined.
 * @example bearerToken('Bearer abc') // 'abc'
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match || match[1].length > MAX_NOTIFICATION_TOKEN_LENGTH) return undefined;
  return match[1];
}
