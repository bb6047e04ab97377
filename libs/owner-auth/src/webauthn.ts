import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import type { Passkey } from '@onboard/ciba-core';

/** COSE algorithms the provider accepts for passkeys: ES256 and EdDSA (Ed25519). */
export const PASSKEY_ALGORITHMS = [-7, -8];

export { generateAuthenticationOptions, generateRegistrationOptions };
export type { AuthenticationResponseJSON, RegistrationResponseJSON };

/** The relying party a ceremony is checked against. */
export interface RelyingParty {
  rpId: string;
  origins: string[];
}

/**
 * Verifies a registration (user verification required, ES256 or EdDSA); returns the new
 * credential, or undefined when it does not verify (the library's reason in `reason`).
 */
export async function verifyRegistration(
  response: RegistrationResponseJSON,
  expectedChallenge: string,
  rp: RelyingParty,
): Promise<
  | { ok: true; credentialId: string; publicKey: string; algorithm: number; counter: number; transports?: string[] }
  | { ok: false; reason: string }
> {
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
    if (!result.verified) return { ok: false, reason: 'the registration did not verify' };
    const { credential } = result.registrationInfo;
    const algorithm = Number(decodeCredentialPublicKey(credential.publicKey).get(3));
    return {
      ok: true,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      algorithm,
      counter: credential.counter,
      ...(credential.transports ? { transports: [...credential.transports] } : {}),
    };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** Verifies an assertion by `passkey` (user verification required); returns its new counter. */
export async function verifyAssertion(
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  passkey: Passkey,
  rp: RelyingParty,
): Promise<{ ok: true; counter: number } | { ok: false; reason: string }> {
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: passkey.counter,
        transports: passkey.transports as never,
      },
    });
    if (!result.verified) return { ok: false, reason: 'the assertion did not verify' };
    return { ok: true, counter: result.authenticationInfo.newCounter };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
