/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** Key fragments that mark a field as secret wherever they appear in the key. */
const SECRET_FRAGMENTS = [
  'token',
  'secret',
  'password',
  'passwd',
  'assertion',
  'authorization',
  'credential',
  'jwt',
  'dpop',
  'cookie',
  'apikey',
  'privatejwk',
  'privatekey',
  // Personal data (an e-mail address or phone number is personal data; so is a login hint,
  // which is one of them, and a binding message, which the client writes for the owner).
  'email',
  'phone',
  'loginhint',
  'bindingmessage',
  'givenname',
  'familyname',
  'birthdate',
];

/** Whole words that mark a field as personal data (`vin`, but not `vinyl`). */
const PERSONAL_WORDS = new Set(['vin']);

/**
 * Keys holding a `code` that is not a secret (an HTTP status, an exit code, an
 * OAuth error code, an MQTT CONNACK return or reason code). Every other key with the word `code` (auth code, user_code,
 * recovery code…) is treated as a secret.
 */
const NON_SECRET_CODE_KEYS = new Set([
  'statuscode',
  'errorcode',
  'exitcode',
  'httpcode',
  'responsecode',
  'returncode',
  'reasoncode',
]);

/** Three base64url segments, the first a JSON object: a compact JWS/JWT. */
const JWT_VALUE = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
/** `Bearer xyz`, `DPoP xyz`, `Basic xyz` credentials inside free text. */
const AUTH_SCHEME_VALUE = /\b(Bearer|DPoP|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** An e-mail address inside free text (personal data). */
const EMAIL_VALUE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** The words of a key: `userCode`, `user_code`, `user-code` → ['user', 'code']. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/**
 * True if a field named `key` may hold a secret or personal data: it contains token, secret,
 * password, assertion, authorization, credential, jwt or dpop, email, phone, login hint or
 * binding message, or the word `code` (except status/error/exit codes) or `vin`.
 */
export function isSecretKey(key: string): boolean {
  const flat = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (SECRET_FRAGMENTS.some((fragment) => flat.includes(fragment))) return true;
  const keyWords = words(key);
  if (keyWords.some((word) => PERSONAL_WORDS.has(word))) return true;
  return keyWords.includes('code') && !NON_SECRET_CODE_KEYS.has(flat);
}

/** Mask JWTs, scheme credentials and e-mail addresses that slipped into a free-text value. */
export function redactText(text: string): string {
  return text
    .replace(JWT_VALUE, REDACTED)
    .replace(AUTH_SCHEME_VALUE, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(EMAIL_VALUE, REDACTED);
}

const MAX_DEPTH = 6;

/**
 * A copy of `value` safe to log: fields with secret-looking keys are masked,
 * JWTs and bearer credentials inside strings are masked, Errors become
 * `{name, message, stack}`, and nesting is cut at a fixed depth.
 *
 * @example
 * redact({ sub: 'u1', access_token: 'abc' }); // { sub: 'u1', access_token: '[redacted]' }
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? value.toString() : value;
  }
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (value instanceof Error) {
    return redact({ name: value.name, message: value.message, stack: value.stack }, depth + 1);
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? REDACTED : redact(item, depth + 1);
  }
  return out;
}
