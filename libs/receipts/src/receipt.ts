import { createHash, createPublicKey, verify as verifySignature, type JsonWebKey } from 'node:crypto';
import canonicalize from 'canonicalize';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';

/** `typ` of a receipt JWS. */
export const RECEIPT_TYPE = 'onboard-approval-receipt+jwt';

/**
 * The payload of an approval receipt (docs/receipts.md): who approved what, and the owner's
 * WebAuthn assertion that proves it, with the credential's public key. Binary values are
 * base64url, as in the WebAuthn JSON encoding.
 */
export interface ReceiptPayload {
  /** The provider (issuer). */
  iss: string;
  /** The owner. */
  sub: string;
  /** The client the receipt is for. */
  aud: string;
  /** When the receipt was issued (seconds). */
  iat: number;
  /** When the owner approved (seconds). */
  approved_at: number;
  /** The commitment the WebAuthn challenge is the SHA-256 of (canonical JSON, RFC 8785). */
  commitment: Record<string, unknown>;
  /** The owner's WebAuthn assertion (WebAuthn L3 §5.2.2). */
  assertion: {
    credential_id: string;
    authenticator_data: string;
    client_data_json: string;
    signature: string;
    user_handle?: string;
  };
  /** The credential's public key, COSE (RFC 9053), as enrolled. */
  credential_public_key: string;
  /** The RP ID the assertion was made for (its SHA-256 opens the authenticator data). */
  rp_id: string;
}

/** The check a receipt failed. */
export type ReceiptCheck = 'format' | 'provider_signature' | 'challenge' | 'authenticator_data' | 'assertion_signature';

export type ReceiptVerdict =
  { ok: true; payload: ReceiptPayload } | { ok: false; check: ReceiptCheck; reason: string; payload?: ReceiptPayload };

const b64 = (value: string) => Buffer.from(value, 'base64url');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/**
 * Verifies a receipt offline with only the provider's JWKS, in order: the provider's JWS
 * signature; the challenge in the client data against the committed fields; the
 * authenticator data (RP ID hash, user present and verified); the owner's signature under the
 * embedded credential key. Says which check failed.
 *
 * @example
 * const verdict = await verifyReceipt(receiptJws, await (await fetch(`${issuer}/jwks`)).json());
 * if (!verdict.ok) console.log(`${verdict.check}: ${verdict.reason}`);
 */
export async function verifyReceipt(receipt: string, jwks: JSONWebKeySet): Promise<ReceiptVerdict> {
  let payload: ReceiptPayload;
  let typ: unknown;
  try {
    typ = decodeProtectedHeader(receipt).typ;
  } catch (error) {
    return { ok: false, check: 'format', reason: `not a compact JWS: ${(error as Error).message}` };
  }
  if (typ !== RECEIPT_TYPE) return { ok: false, check: 'format', reason: `typ is not ${RECEIPT_TYPE}` };
  try {
    const verified = await compactVerify(receipt, createLocalJWKSet(jwks));
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as ReceiptPayload;
  } catch (error) {
    const reason = (error as Error).message;
    const format = /Invalid Compact JWS|JWS Protected Header|typ/i.test(reason);
    return { ok: false, check: format ? 'format' : 'provider_signature', reason };
  }
  if (!payload?.assertion || !payload.commitment || !payload.credential_public_key || !payload.rp_id) {
    return { ok: false, check: 'format', reason: 'the payload lacks assertion, commitment, key or rp_id', payload };
  }
  const { assertion } = payload;
  let clientData: { type?: string; challenge?: string };
  try {
    clientData = JSON.parse(b64(assertion.client_data_json).toString('utf8'));
  } catch {
    return { ok: false, check: 'format', reason: 'client_data_json is not JSON', payload };
  }
  const expected = sha256(canonicalize(payload.commitment) ?? '').toString('base64url');
  if (clientData.type !== 'webauthn.get' || clientData.challenge !== expected) {
    return { ok: false, check: 'challenge', reason: 'the challenge is not the hash of the committed fields', payload };
  }
  const authData = b64(assertion.authenticator_data);
  if (authData.length < 37 || !authData.subarray(0, 32).equals(sha256(payload.rp_id))) {
    return { ok: false, check: 'authenticator_data', reason: 'the RP ID hash does not match rp_id', payload };
  }
  const flags = authData[32];
  if ((flags & 0x01) === 0 || (flags & 0x04) === 0) {
    return { ok: false, check: 'authenticator_data', reason: 'user presence or verification flag not set', payload };
  }
  try {
    const { key, alg } = credentialKey(payload.credential_public_key);
    const signed = Buffer.concat([authData, sha256(b64(assertion.client_data_json))]);
    const good =
      alg === -8
        ? verifySignature(null, signed, key, b64(assertion.signature))
        : verifySignature('sha256', signed, { key, dsaEncoding: 'der' }, b64(assertion.signature));
    if (!good)
      return { ok: false, check: 'assertion_signature', reason: 'the owner signature does not verify', payload };
  } catch (error) {
    return { ok: false, check: 'assertion_signature', reason: (error as Error).message, payload };
  }
  return { ok: true, payload };
}

/** The node:crypto public key of a COSE key (ES256 on P-256, or EdDSA on Ed25519). */
function credentialKey(cose: string): { key: ReturnType<typeof createPublicKey>; alg: number } {
  const map = decodeCredentialPublicKey(new Uint8Array(b64(cose))) as unknown as Map<number, unknown>;
  const kty = Number(map.get(1));
  const alg = Number(map.get(3));
  const x = Buffer.from(map.get(-2) as Uint8Array).toString('base64url');
  let jwk: JsonWebKey;
  if (kty === 2 && alg === -7 && Number(map.get(-1)) === 1) {
    jwk = { kty: 'EC', crv: 'P-256', x, y: Buffer.from(map.get(-3) as Uint8Array).toString('base64url') };
  } else if (kty === 1 && alg === -8 && Number(map.get(-1)) === 6) {
    jwk = { kty: 'OKP', crv: 'Ed25519', x };
  } else {
    throw new Error(`unsupported credential key (kty ${kty}, alg ${alg})`);
  }
  return { key: createPublicKey({ key: jwk, format: 'jwk' }), alg };
}
