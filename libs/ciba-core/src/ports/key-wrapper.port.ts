/**
 * Protects the provider's private signing keys at rest (envelope encryption): a key is
 * wrapped under a key-encryption key (KEK) before it is stored and unwrapped when it is
 * loaded, so the database never holds a private key in clear.
 *
 * The default implementation (keys/local-key-wrapper.ts) wraps with a local 256-bit KEK
 * as a compact JWE (`dir`, `A256GCM`). A KMS or an HSM replaces it by implementing these
 * calls with a key that never leaves it (e.g. a KMS's Encrypt/Decrypt with `context` as
 * the encryption context), passed to the composition root as `keyWrapper`.
 */
export interface KeyWrapper {
  /** Id of the KEK new keys are wrapped under (shown by `keys list`; never the key itself). */
  readonly currentKeyId: string;
  /**
   * Encrypt `plaintext` under the current KEK. `context` is bound to the ciphertext
   * (authenticated, not secret): unwrapping needs the same context, so a wrapped key
   * copied onto another row does not unwrap.
   */
  wrap(plaintext: Uint8Array, context: string): Promise<string>;
  /**
   * Decrypt a value made by {@link KeyWrapper.wrap} under any KEK this wrapper holds.
   * Throws when the KEK is unknown, the context differs or the ciphertext was altered.
   */
  unwrap(wrapped: string, context: string): Promise<Uint8Array>;
  /** Id of the KEK `wrapped` was made under, read without decrypting; undefined if unreadable. */
  keyIdOf(wrapped: string): string | undefined;
}
