import { KEY_ENCRYPTION_KEY_BYTES } from '@onboard/ciba-core';
import { ConfigError, read, type Env } from './env-values';

/** Where the key-encryption keys (KEKs) that wrap the private signing keys at rest come from. */
export interface KeyEncryptionConfig {
  /** KEY_ENCRYPTION_KEY: the keys themselves, the first wraps, all unwrap. */
  keys?: Uint8Array[];
  /**
   * KEY_ENCRYPTION_KEY_FILE: a file holding them (one per line). Absent with no `keys`: the
   * provider uses `onboard.kek` beside its SQLite database (`./data/onboard.kek` with
   * PostgreSQL), generated 0600 on first start; an in-memory database uses a KEK that lives
   * only in the process.
   */
  file?: string;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Parse key-encryption keys: base64 or base64url encodings of 256-bit keys, separated by
 * commas, whitespace or new lines (`openssl rand -base64 32` makes one). The first wraps new
 * keys; the others only unwrap (kept during a rotation). Errors name `variable` and the
 * position of the bad key, never its value.
 *
 * @example
 * parseKeyEncryptionKeys('KEY_ENCRYPTION_KEY', 'qvH3…=,Zk1…='); // [Uint8Array(32), Uint8Array(32)]
 */
export function parseKeyEncryptionKeys(variable: string, text: string): Uint8Array[] {
  const items = text.split(/[\s,]+/).filter((item) => item !== '');
  if (items.length === 0) throw new ConfigError(variable, 'holds no key-encryption key');
  return items.map((item, index) => {
    const key = BASE64.test(item) ? Buffer.from(item, 'base64') : undefined;
    if (key === undefined || key.length !== KEY_ENCRYPTION_KEY_BYTES) {
      throw new ConfigError(
        variable,
        `key ${index + 1} is not a base64-encoded ${KEY_ENCRYPTION_KEY_BYTES * 8}-bit key ` +
          `(${KEY_ENCRYPTION_KEY_BYTES} bytes; make one with: openssl rand -base64 ${KEY_ENCRYPTION_KEY_BYTES})`,
      );
    }
    return new Uint8Array(key);
  });
}

/** KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_FILE (not both). */
export function keyEncryptionConfig(env: Env): KeyEncryptionConfig {
  const keys = read(env, 'KEY_ENCRYPTION_KEY');
  const file = read(env, 'KEY_ENCRYPTION_KEY_FILE');
  if (keys !== undefined && file !== undefined) {
    throw new ConfigError('KEY_ENCRYPTION_KEY', 'set KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_FILE, not both');
  }
  if (keys !== undefined) return { keys: parseKeyEncryptionKeys('KEY_ENCRYPTION_KEY', keys) };
  return file !== undefined ? { file } : {};
}
