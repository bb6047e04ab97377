import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import type { KeyWrapper } from '../ports/key-wrapper.port';

/** A key-encryption key is 256 bits: the key of A256GCM (RFC 7518 §5.3). */
export const KEY_ENCRYPTION_KEY_BYTES = 32;

/** The protected-header member that carries the wrap context (bound by AES-GCM's AAD). */
const CONTEXT_HEADER = 'ctx';

/** The KEK a wrapped value names is not held by this wrapper (or the value is unreadable). */
export class UnknownKeyEncryptionKey extends Error {
  constructor(
    /** Id of the KEK the value was wrapped under, if readable. */
    readonly keyId: string | undefined,
    context: string,
  ) {
    super(
      keyId === undefined
        ? `${context}: the wrapped key is unreadable`
        : `${context}: wrapped under key-encryption key ${keyId}, which is not configured`,
    );
    this.name = 'UnknownKeyEncryptionKey';
  }
}

/**
 * The id of a KEK: its RFC 7638 JWK thumbprint (SHA-256 of `{"k":…,"kty":"oct"}`), which
 * names the key without revealing it.
 */
export function keyEncryptionKeyId(kek: Uint8Array): Promise<string> {
  return calculateJwkThumbprint({ kty: 'oct', k: Buffer.from(kek).toString('base64url') }, 'sha256');
}

interface HeldKey {
  id: string;
  key: Uint8Array;
}

async function hold(keks: readonly Uint8Array[]): Promise<HeldKey[]> {
  if (keks.length === 0) throw new Error('at least one key-encryption key is needed');
  return Promise.all(
    keks.map(async (key) => {
      if (key.length !== KEY_ENCRYPTION_KEY_BYTES) {
        throw new Error(`a key-encryption key must be ${KEY_ENCRYPTION_KEY_BYTES} bytes`);
      }
      return { id: await keyEncryptionKeyId(key), key };
    }),
  );
}

/** Options of {@link createLocalKeyWrapper}. */
export interface LocalKeyWrapperOptions {
  /**
   * Re-read the KEKs (e.g. from their file): before each wrap (rare: a key is generated),
   * so new keys are wrapped under the current KEK even after another process rotated it,
   * and when a value names a KEK this wrapper does not hold (at most once per unknown id).
   */
  reload?: () => Promise<readonly Uint8Array[]>;
}

class LocalKeyWrapper implements KeyWrapper {
  private readonly tried = new Set<string>();

  constructor(
    private keys: HeldKey[],
    private readonly options: LocalKeyWrapperOptions,
  ) {}

  get currentKeyId(): string {
    return this.keys[0].id;
  }

  async wrap(plaintext: Uint8Array, context: string): Promise<string> {
    if (this.options.reload) this.keys = await hold(await this.options.reload());
    const { id, key } = this.keys[0];
    // RFC 7516 §7.1 compact JWE; direct encryption under the KEK (RFC 7518 §4.5) with
    // AES-256-GCM. The protected header (kid, ctx) is the AAD, so neither can be changed.
    return new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: id, [CONTEXT_HEADER]: context })
      .encrypt(key);
  }

  async unwrap(wrapped: string, context: string): Promise<Uint8Array> {
    const keyId = this.keyIdOf(wrapped);
    if (keyId === undefined) throw new UnknownKeyEncryptionKey(undefined, context);
    let held = this.keys.find((k) => k.id === keyId);
    if (!held && this.options.reload && !this.tried.has(keyId)) {
      this.tried.add(keyId);
      this.keys = await hold(await this.options.reload());
      held = this.keys.find((k) => k.id === keyId);
    }
    if (!held) throw new UnknownKeyEncryptionKey(keyId, context);
    const { plaintext, protectedHeader } = await compactDecrypt(wrapped, held.key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    if (protectedHeader[CONTEXT_HEADER] !== context) {
      throw new Error(`${context}: the wrapped key belongs to ${String(protectedHeader[CONTEXT_HEADER])}`);
    }
    return plaintext;
  }

  keyIdOf(wrapped: string): string | undefined {
    try {
      const { kid } = decodeProtectedHeader(wrapped);
      return typeof kid === 'string' ? kid : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * The default {@link KeyWrapper}: private keys wrapped as compact JWEs (`dir`, `A256GCM`)
 * under local 256-bit key-encryption keys. The first KEK wraps; every KEK unwraps, so a
 * KEK rotation can re-wrap keys made under the previous one.
 *
 * @example
 * const wrapper = await createLocalKeyWrapper([kek]); // kek: 32 random bytes, kept outside the database
 * const wrapped = await wrapper.wrap(Buffer.from(JSON.stringify(privateJwk)), kid);
 * const privateJwkBytes = await wrapper.unwrap(wrapped, kid);
 */
export async function createLocalKeyWrapper(
  keks: readonly Uint8Array[],
  options: LocalKeyWrapperOptions = {},
): Promise<KeyWrapper> {
  return new LocalKeyWrapper(await hold(keks), options);
}

let ephemeral: Promise<KeyWrapper> | undefined;

/**
 * A wrapper whose KEK lives only in this process (random, never written anywhere): for an
 * in-memory database, whose keys die with the process too, and for tests. Keys wrapped
 * under it cannot be read by any later process.
 */
export function ephemeralKeyWrapper(): Promise<KeyWrapper> {
  ephemeral ??= createLocalKeyWrapper([randomBytes(KEY_ENCRYPTION_KEY_BYTES)]);
  return ephemeral;
}
