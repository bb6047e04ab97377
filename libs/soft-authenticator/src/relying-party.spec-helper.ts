import { createHash } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import type { AssertionFaults, RegistrationFaults, SoftAuthenticator } from './soft-authenticator';

/**
 * A relying party for the specs, made of @simplewebauthn/server's own option generators and
 * verifiers as the provider will use them: user verification required, resident key preferred,
 * ES256 and EdDSA.
 */
export const rpID = 'owner.example.com';
export const origin = 'https://owner.example.com';
export const ES256 = -7;
export const EdDSA = -8;

type RegistrationOptionsInput = Partial<Parameters<typeof generateRegistrationOptions>[0]>;

/** Registration options as the provider will send them, overridable per test. */
export function registrationOptions(input: RegistrationOptionsInput = {}) {
  return generateRegistrationOptions({
    rpName: 'Onboard',
    rpID,
    userName: 'alice@example.com',
    userDisplayName: 'Alice',
    userID: new TextEncoder().encode('owner-0001'),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: [ES256, EdDSA],
    ...input,
  });
}

/** Enrols a passkey on `phone` and verifies it as the provider will (UV required). */
export async function enrol(
  phone: SoftAuthenticator,
  input: RegistrationOptionsInput = {},
  faults?: RegistrationFaults,
) {
  const options = await registrationOptions(input);
  const response = await phone.register(options, { origin, faults });
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: true,
    supportedAlgorithmIDs: input.supportedAlgorithmIDs ?? [ES256, EdDSA],
  });
  return { options, response, verification, credential: verification.registrationInfo!.credential };
}

/**
 * The challenge of an approval: a SHA-256 commitment to the CIBA request, as raw bytes (a string
 * would be UTF-8-encoded and no longer be the digest).
 */
export function commitment(authReqId: string, bindingMessage = 'K7-42'): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(`${authReqId}\n${bindingMessage}`).digest());
}

export interface ApproveInput {
  authReqId?: string;
  allowCredentials?: { id: string }[];
  credentialId?: string;
  userHandle?: string;
  faults?: AssertionFaults;
}

/** Approval options: the commitment as challenge, user verification required. */
export function approvalOptions(input: ApproveInput = {}): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID,
    challenge: commitment(input.authReqId ?? 'req-001'),
    userVerification: 'required',
    allowCredentials: input.allowCredentials,
  });
}

/** Verifies an assertion as the provider will: against the stored credential, UV required. */
export function verifyApproval(
  response: AuthenticationResponseJSON,
  credential: WebAuthnCredential,
  authReqId = 'req-001',
) {
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: Buffer.from(commitment(authReqId)).toString('base64url'),
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential,
    requireUserVerification: true,
  });
}

/** One approval on `phone`: options, assertion, verification. */
export async function approve(phone: SoftAuthenticator, credential: WebAuthnCredential, input: ApproveInput = {}) {
  const options = await approvalOptions(input);
  const response = await phone.authenticate(options, {
    origin,
    credentialId: input.credentialId,
    userHandle: input.userHandle,
    faults: input.faults,
  });
  return { response, verification: await verifyApproval(response, credential, input.authReqId) };
}

/** Decodes a base64url JSON member. */
export function decodeClientData(clientDataJSON: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
}
