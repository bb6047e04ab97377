/**
 * The owner's passkeys and what goes with them: one-time enrolment invitations,
 * sign-in sessions of the owner app, WebAuthn challenges waiting for their answer,
 * and the assertion stored with each passkey approval (the receipt's evidence).
 * Secrets (invitation and session tokens) are kept only as SHA-256 hashes.
 */

/** A WebAuthn credential of an owner: one per phone (an owner may hold several). */
export interface Passkey {
  /** Device id (the app's `Device.id`), distinct from the credential id. */
  id: string;
  sub: string;
  name: string;
  /** WebAuthn credential id, base64url. */
  credentialId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** COSE algorithm of the key (-7 ES256, -8 EdDSA). */
  algorithm: number;
  counter: number;
  transports?: string[];
  createdAt: number;
  lastUsedAt?: number;
  /** Set when the owner removed the device: it can neither sign in nor approve again. */
  removedAt?: number;
}

/** A one-time invitation to enrol a passkey for `sub`. */
export interface OwnerInvitation {
  id: string;
  /** SHA-256 (base64url) of the token carried in the link. */
  tokenHash: string;
  sub: string;
  createdAt: number;
  expiresAt: number;
  usedAt?: number;
  /** Device that created it from the app ("Add a device"); absent for the admin API and CLI. */
  createdBy?: string;
}

/** A signed-in owner app (the `onboard_session` cookie). */
export interface OwnerSession {
  /** SHA-256 (base64url) of the cookie value. */
  tokenHash: string;
  sub: string;
  deviceId: string;
  createdAt: number;
  expiresAt: number;
}

export type ChallengePurpose = 'enrolment' | 'sign_in' | 'approval';

/** A WebAuthn challenge handed out and not yet answered; taken (deleted) once. */
export interface WebAuthnChallenge {
  id: string;
  purpose: ChallengePurpose;
  /** The challenge, base64url. */
  challenge: string;
  sub?: string;
  invitationId?: string;
  authRequestId?: string;
  deviceId?: string;
  /** Approval: the JSON commitment whose SHA-256 is the challenge. */
  commitment?: string;
  expiresAt: number;
}

/** The owner's WebAuthn assertion that approved a request, with what it committed to. */
export interface ApprovalAssertion {
  authRequestId: string;
  sub: string;
  deviceId: string;
  credentialId: string;
  /** COSE public key (base64url) the assertion verified under. */
  publicKey: string;
  algorithm: number;
  /** The commitment JSON (canonical, RFC 8785) whose SHA-256 is the challenge. */
  commitment: string;
  authenticatorData: string;
  clientDataJSON: string;
  signature: string;
  userHandle?: string;
  createdAt: number;
}
