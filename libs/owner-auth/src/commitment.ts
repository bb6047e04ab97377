import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuthRequest } from '@onboard/ciba-core';

/**
 * What an approval's WebAuthn challenge commits to (wire names: it is signed as JSON).
 * The challenge is SHA-256 over its canonical JSON (RFC 8785, JCS), so the owner's
 * assertion signs exactly these fields.
 */
export interface Commitment {
  /** SHA-256 (base64url) of the client's auth_req_id: the request, without revealing the bearer value. */
  auth_req_id_sha256: string;
  client_id: string;
  binding_message?: string;
  /** The requested scope, space-separated, as the client sent it. */
  scope: string;
  authorization_details?: unknown[];
  /** Random, per challenge: two approvals of equal requests never share a challenge. */
  nonce: string;
}

/**
 * The commitment for `request` now.
 *
 * @example
 * const commitment = commitmentFor(request, random.token(16));
 * const challenge = commitmentChallenge(commitment); // the WebAuthn challenge bytes
 */
export function commitmentFor(request: AuthRequest, nonce: string): Commitment {
  return {
    auth_req_id_sha256: request.authReqIdHash,
    client_id: request.clientId,
    ...(request.bindingMessage !== undefined ? { binding_message: request.bindingMessage } : {}),
    scope: request.scope,
    ...(request.authorizationDetails !== undefined ? { authorization_details: request.authorizationDetails } : {}),
    nonce,
  };
}

/** The canonical JSON (RFC 8785) of a commitment: what is hashed and stored. */
export function canonicalCommitment(commitment: Commitment): string {
  const json = canonicalize(commitment);
  if (json === undefined) throw new TypeError('commitment is not serialisable');
  return json;
}

/** The WebAuthn challenge of a commitment: SHA-256 over its canonical JSON. */
export function commitmentChallenge(commitment: Commitment | string): Uint8Array<ArrayBuffer> {
  const json = typeof commitment === 'string' ? commitment : canonicalCommitment(commitment);
  return new Uint8Array(createHash('sha256').update(json).digest());
}
