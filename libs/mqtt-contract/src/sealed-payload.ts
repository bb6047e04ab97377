import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, importJWK, type CryptoKey, type JWK } from 'jose';
import { encodeDeviceMessage } from './encode';
import { COMPACT_JWE_PATTERN, MAX_PAYLOAD_BYTES } from './limits';
import type { DeviceMessage } from './messages';
import type { DeviceMessageType } from './topics';

/**
 * Sealed payloads (docs/protocol.md §5a). A subscriber to `#` on the broker (an operator, a
 * monitoring tool, a bridge of brokers) must read no token and no personal data: the messages that
 * carry them travel as a compact JWE encrypted to the bridge's own key, whose plaintext is the
 * JSON message of docs/protocol.md §6. Only the bridge can open them; it relays their content to
 * the provider over HTTPS.
 */

/** Key management algorithm of sealed payloads (RFC 7518 §4.6): ECDH-ES with the bridge's P-256 or X25519 key. */
export const SEALED_PAYLOAD_ALG = 'ECDH-ES+A256KW';
/** Content encryption of sealed payloads (RFC 7518 §5.3). */
export const SEALED_PAYLOAD_ENC = 'A256GCM';
/** `cty` of a sealed payload: its plaintext is a JSON device message. */
export const SEALED_PAYLOAD_CONTENT_TYPE = 'onboard-message+json';

/** Message types whose payload must be sealed: they carry tokens, client assertions and the owner's hint. */
export const SEALED_MESSAGE_TYPES: readonly DeviceMessageType[] = ['verification', 'refresh'];

/**
 * Largest sealed payload, in bytes: the JWE of a {@link MAX_PAYLOAD_BYTES} plaintext (base64url
 * grows it by a third) plus its header.
 */
export const MAX_SEALED_PAYLOAD_BYTES = Math.ceil((MAX_PAYLOAD_BYTES * 4) / 3) + 1024;

/** True when `type` must arrive sealed. */
export function mustBeSealed(type: DeviceMessageType): boolean {
  return SEALED_MESSAGE_TYPES.includes(type);
}

/** True when the payload has the shape of a compact JWE (not yet opened). */
export function isSealedPayload(payload: Uint8Array): boolean {
  // a JSON payload starts with `{`; a compact JWE is base64url only
  if (payload.length === 0 || payload.length > MAX_SEALED_PAYLOAD_BYTES || payload[0] === 0x7b) return false;
  return COMPACT_JWE_PATTERN.test(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString());
}

/** The bridge's public encryption key as a device gets it (a JWK with `use` `enc`, from provisioning). */
export type BridgeEncryptionKey = JWK;

/**
 * Encrypts a device message to the bridge's key (a compact JWE, `ECDH-ES+A256KW` / `A256GCM`,
 * with the key's `kid`). Each call uses a fresh ephemeral key, so the same message seals
 * differently every time; the bridge identifies a request by its content, not by its ciphertext.
 * @example
 * const payload = await sealDeviceMessage({ type: 'cancel', requestId: 'r-1' }, bridgeKey);
 */
export async function sealDeviceMessage(message: DeviceMessage, bridgeKey: BridgeEncryptionKey): Promise<Buffer> {
  const key = await importJWK({ ...bridgeKey, alg: SEALED_PAYLOAD_ALG }, SEALED_PAYLOAD_ALG);
  const jwe = await new CompactEncrypt(encodeDeviceMessage(message))
    .setProtectedHeader({
      alg: SEALED_PAYLOAD_ALG,
      enc: SEALED_PAYLOAD_ENC,
      cty: SEALED_PAYLOAD_CONTENT_TYPE,
      ...(bridgeKey.kid === undefined ? {} : { kid: bridgeKey.kid }),
    })
    .encrypt(key);
  return Buffer.from(jwe);
}

/** The bridge's private decryption key for a `kid` (undefined: any of its keys may be tried). */
export type SealedPayloadKeys = (kid: string | undefined) => CryptoKey[];

/** Outcome of {@link openSealedPayload}. */
export type OpenedPayload = { ok: true; plaintext: Buffer } | { ok: false; description: string };

/**
 * Opens a sealed payload with the bridge's keys; the plaintext is then decoded like a clear
 * payload (`decodeDeviceMessage`). Only `ECDH-ES+A256KW` / `A256GCM` are accepted (RFC 8725
 * §3.1: no algorithm chosen by the sender).
 */
export async function openSealedPayload(payload: Uint8Array, keys: SealedPayloadKeys): Promise<OpenedPayload> {
  const jwe = Buffer.from(payload).toString();
  let header;
  try {
    header = decodeProtectedHeader(jwe);
  } catch {
    return { ok: false, description: 'the sealed payload has no readable JWE header' };
  }
  if (header.alg !== SEALED_PAYLOAD_ALG || header.enc !== SEALED_PAYLOAD_ENC) {
    return { ok: false, description: `a sealed payload must use ${SEALED_PAYLOAD_ALG} with ${SEALED_PAYLOAD_ENC}` };
  }
  const candidates = keys(typeof header.kid === 'string' ? header.kid : undefined);
  if (candidates.length === 0) return { ok: false, description: "the sealed payload's kid is not a bridge key" };
  for (const key of candidates) {
    try {
      const { plaintext } = await compactDecrypt(jwe, key, {
        keyManagementAlgorithms: [SEALED_PAYLOAD_ALG],
        contentEncryptionAlgorithms: [SEALED_PAYLOAD_ENC],
      });
      return { ok: true, plaintext: Buffer.from(plaintext) };
    } catch {
      // the next key, if any (a retired key still opens messages sealed just before a rotation)
    }
  }
  return { ok: false, description: "the sealed payload could not be decrypted with the bridge's key" };
}
