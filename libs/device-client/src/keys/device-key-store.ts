import type { JWK } from 'jose';

/** JWS algorithm of the device's signing key (the bridge and provider also accept ES256 only for it). */
export const DEVICE_SIGNING_ALG = 'ES256';
/** JWE key management algorithm of the device's encryption key (X25519). */
export const DEVICE_ENCRYPTION_ALG = 'ECDH-ES+A256KW';
/** JWE content encryption the provider uses for token responses to devices. */
export const DEVICE_ENCRYPTION_ENC = 'A256GCM';

/** A public JWK as registered for the device (no private members). */
export type DevicePublicJwk = JWK & { kid: string; use: 'sig' | 'enc'; alg: string };

/** The device's public keys, as a JWKS: its signing key (`use: sig`) and its encryption key (`use: enc`). */
export interface DevicePublicJwks {
  keys: DevicePublicJwk[];
}

/** The protected header the library asks a key store to sign with. */
export interface DeviceJwsHeader {
  /** Always the signing key's `alg` ({@link DEVICE_SIGNING_ALG}). */
  alg: string;
  /** The signing key's `kid`. Absent in a DPoP proof, which carries `jwk` instead. */
  kid?: string;
  typ?: string;
  /** The public signing key, for a DPoP proof (RFC 9449 §4.2). */
  jwk?: JWK;
}

/**
 * Where the device's private keys live. The library never sees a private key: it asks the store
 * to sign and to decrypt, so an HSM, TPM or secure-element implementation keeps its keys inside
 * the hardware. The store holds two keys:
 *
 * - a signing key (ES256, P-256) for the connect credential, request objects, client assertions and
 *   DPoP proofs;
 * - an encryption key (X25519, `ECDH-ES+A256KW`) to which the provider encrypts token responses.
 *
 * {@link FileKeyStore} is the default; {@link MemoryKeyStore} serves tests.
 * @example
 * // An HSM-backed store: sign with the hardware, assemble the compact JWS around it.
 * class HsmKeyStore implements DeviceKeyStore {
 *   async getPublicJwks() { return { keys: [hsm.publicSigJwk(), hsm.publicEncJwk()] }; }
 *   async thumbprint() { return calculateJwkThumbprint(hsm.publicSigJwk(), 'sha256'); }
 *   async signJwt(header, payload) {
 *     const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
 *     return `${input}.${b64u(await hsm.signEs256Raw(input))}`; // r || s, RFC 7518 §3.4
 *   }
 *   async decrypt(jwe) { return hsm.decryptCompactJwe(jwe); }
 * }
 */
export interface DeviceKeyStore {
  /**
   * The public keys to register for the device: exactly one `use: sig` key with `alg: ES256` and
   * one `use: enc` key with `alg: ECDH-ES+A256KW`, each with a `kid`.
   */
  getPublicJwks(): Promise<DevicePublicJwks>;
  /**
   * Signs `payload` (a JSON object, serialised by the store) under the protected `header` with the
   * signing key and returns the compact JWS (RFC 7515 §7.1). Must refuse an `alg` other than the
   * signing key's.
   */
  signJwt(header: DeviceJwsHeader, payload: Record<string, unknown>): Promise<string>;
  /**
   * Decrypts a compact JWE (RFC 7516) addressed to the encryption key and returns the plaintext.
   * Must accept only `alg: ECDH-ES+A256KW` and `enc: A256GCM`.
   */
  decrypt(jwe: string): Promise<Uint8Array>;
  /** The RFC 7638 SHA-256 thumbprint of the public signing key, base64url: the device's `dpop_jkt`. */
  thumbprint(): Promise<string>;
}

/**
 * The signing key of a public JWKS; throws when it does not have exactly one.
 * @example const sig = signingKeyOf(await keys.getPublicJwks()); sig.kid;
 */
export function signingKeyOf(jwks: DevicePublicJwks): DevicePublicJwk {
  const found = jwks.keys.filter((k) => k.use === 'sig');
  if (found.length !== 1) throw new TypeError('the key store must hold exactly one signing key');
  return found[0];
}
