import { createHash } from 'node:crypto';
import { bytesOf } from './base64url';

/** Authenticator data flags (WebAuthn §6.1). */
export const AUTHENTICATOR_FLAGS = {
  /** User Present. */
  UP: 0x01,
  /** User Verified. */
  UV: 0x04,
  /** Backup Eligible: the credential may be synced (a multi-device passkey). */
  BE: 0x08,
  /** Backup State: the credential is currently backed up. */
  BS: 0x10,
  /** Attested credential data included (registration only). */
  AT: 0x40,
} as const;

/** The parts of attested credential data (WebAuthn §6.5.1). */
export interface AttestedCredential {
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  cosePublicKey: Uint8Array;
}

/** SHA-256 of the RP ID, the first 32 bytes of authenticator data. */
export function rpIdHash(rpId: string): Uint8Array {
  return bytesOf(createHash('sha256').update(rpId, 'utf8').digest());
}

/**
 * Authenticator data (WebAuthn §6.1): rpIdHash (32) ‖ flags (1) ‖ signCount (4, big-endian) ‖
 * attested credential data when `attested` is given (AAGUID (16) ‖ credentialIdLength (2) ‖
 * credentialId ‖ credentialPublicKey); the AT flag is set exactly then.
 */
export function authenticatorData(rpId: string, flags: number, signCount: number, attested?: AttestedCredential) {
  const attestedLength = attested ? 16 + 2 + attested.credentialId.length + attested.cosePublicKey.length : 0;
  const out = new Uint8Array(37 + attestedLength);
  const view = new DataView(out.buffer);
  out.set(rpIdHash(rpId), 0);
  out[32] = attested ? flags | AUTHENTICATOR_FLAGS.AT : flags & ~AUTHENTICATOR_FLAGS.AT;
  view.setUint32(33, signCount >>> 0, false);
  if (attested) {
    out.set(attested.aaguid, 37);
    view.setUint16(53, attested.credentialId.length, false);
    out.set(attested.credentialId, 55);
    out.set(attested.cosePublicKey, 55 + attested.credentialId.length);
  }
  return out;
}

/** The 16 bytes of an AAGUID written as a UUID string (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`). */
export function aaguidBytes(uuid: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return undefined;
  return bytesOf(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}
