import { SoftAuthenticatorError, type SoftAuthenticatorErrorCode } from './errors';

// RFC 4648 §5 alphabet; padding is tolerated on input (some servers send it) and never produced.
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** A plain `Uint8Array` view of bytes (node:crypto hands out `Buffer`s; the CBOR encoder wants views). */
export function bytesOf(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Unpadded base64url, as every binary member of the WebAuthn JSON types is encoded. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes a base64url member of an options or export document, naming the member when it is not
 * base64url (Buffer's decoder would silently skip foreign characters).
 */
export function fromBase64Url(
  value: unknown,
  member: string,
  code: SoftAuthenticatorErrorCode = 'invalid_options',
): Uint8Array {
  if (typeof value !== 'string' || !BASE64URL.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
    const got = typeof value === 'string' ? 'a string with characters outside the base64url alphabet' : typeof value;
    throw new SoftAuthenticatorError(code, `${member} must be a base64url string, got ${got}`);
  }
  return bytesOf(Buffer.from(value, 'base64url'));
}

/** The canonical (unpadded) form of a base64url id, so ids from different sources compare equal. */
export function canonicalBase64Url(value: unknown, member: string, code?: SoftAuthenticatorErrorCode): string {
  return toBase64Url(fromBase64Url(value, member, code));
}
