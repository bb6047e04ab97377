/**
 * Size and shape limits of the device protocol (docs/protocol.md, "Limits").
 * Both sides enforce them: the bridge refuses what exceeds them, a device library never sends it.
 */

/** Largest JSON payload the bridge reads, in bytes. Larger payloads get `payload_too_large`. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

/** Device ids: opaque, 1–64 characters from `[A-Za-z0-9_-]`, first one alphanumeric. Never a VIN or an e-mail. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Device-chosen request ids: 1–64 characters from `[A-Za-z0-9_-]` (a UUID or 16 random bytes in base64url). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Longest signed request object (compact JWS) accepted in a verification request. */
export const MAX_REQUEST_OBJECT_LENGTH = 8192;

/** Longest client assertion, DPoP proof or refresh token accepted. */
export const MAX_TOKEN_LENGTH = 4096;

/** Longest `auth_req_id` the bridge relays (CIBA §7.3 leaves its length open). */
export const MAX_AUTH_REQ_ID_LENGTH = 512;

/** Longest encrypted token response (compact JWE) in a result. */
export const MAX_ENCRYPTED_TOKEN_RESPONSE_LENGTH = 12 * 1024;

/** Longest `error_description`; longer ones are truncated by the sender. */
export const MAX_ERROR_DESCRIPTION_LENGTH = 256;

/** Compact JWS: three base64url segments (RFC 7515 §7.1). Shape only; signatures are checked by the provider. */
export const COMPACT_JWS_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Compact JWE: five base64url segments (RFC 7516 §7.1); the encrypted-key segment may be empty. */
export const COMPACT_JWE_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A request object: a compact JWS, or a compact JWE holding one (RFC 9101 §6.1). */
export const REQUEST_OBJECT_PATTERN = new RegExp(`${COMPACT_JWS_PATTERN.source}|${COMPACT_JWE_PATTERN.source}`);

/** Longest `client_notification_token` beside an encrypted request object (CIBA §7.1 sets no bound). */
export const MAX_CLIENT_NOTIFICATION_TOKEN_LENGTH = 1024;
