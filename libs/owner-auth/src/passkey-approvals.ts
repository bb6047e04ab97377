import {
  AccessDenied,
  Conflict,
  InvalidRequest,
  relyingParty,
  type ApprovalAssertion,
  type AuthRequest,
  type PasskeyApprovalVerifier,
  type ProviderContext,
} from '@onboard/ciba-core';
import { validate } from '@onboard/platform';
import { issueReceipt } from './receipts';
import { canonicalCommitment, commitmentChallenge, commitmentFor, type Commitment } from './commitment';
import { ApproveBody } from './owner-app.schemas';
import { generateAuthenticationOptions, verifyAssertion, type AuthenticationResponseJSON } from './webauthn';

/** Id of the approval challenge of one request on one device (a newer one replaces it). */
const approvalChallengeId = (requestId: string, deviceId: string) => `approval:${requestId}:${deviceId}`;

/**
 * `…/requests/{id}/approval/options`: the WebAuthn request options whose challenge is the
 * SHA-256 of the commitment to `request` as it is now, for the signed-in passkey only.
 */
export async function approvalOptions(
  ctx: ProviderContext,
  request: AuthRequest,
  device: { id: string; sub: string },
): Promise<{ public_key: unknown; commitment: Commitment }> {
  const passkey = await ctx.stores.passkeys.findPasskey(device.id);
  if (!passkey || passkey.removedAt !== undefined || passkey.sub !== request.sub) {
    throw new AccessDenied('approve with a passkey of this account');
  }
  const commitment = commitmentFor(request, ctx.random.token(16));
  const json = canonicalCommitment(commitment);
  const { rpId } = relyingParty(ctx.settings);
  const options = await generateAuthenticationOptions({
    rpID: rpId,
    challenge: commitmentChallenge(json),
    userVerification: 'required',
    timeout: ctx.settings.ownerApp.challengeTtl * 1000,
    allowCredentials: [{ id: passkey.credentialId, transports: passkey.transports as never }],
  });
  await ctx.stores.passkeys.saveChallenge({
    id: approvalChallengeId(request.id, device.id),
    purpose: 'approval',
    challenge: options.challenge,
    sub: request.sub,
    authRequestId: request.id,
    deviceId: device.id,
    commitment: json,
    expiresAt: Math.min(request.expiresAt, ctx.clock.now() + ctx.settings.ownerApp.challengeTtl * 1000),
  });
  return { public_key: options, commitment };
}

/**
 * The provider's verification of a passkey approval (ciba-core's PasskeyApprovalVerifier):
 * the challenge issued for this request and device is taken (used once); the request must
 * still show what it committed to; the assertion must come from the signed-in passkey of the
 * request's owner, not removed, with user verification, over that challenge.
 */
export function createPasskeyApprovalVerifier(ctx: ProviderContext): PasskeyApprovalVerifier {
  return {
    issueReceipt: (assertion, clientId) => issueReceipt(ctx, assertion, clientId),
    async verifyApproval(request, device, body): Promise<ApprovalAssertion> {
      const { credential } = validate(ApproveBody, body);
      const response = credential as unknown as AuthenticationResponseJSON;
      const challenge = await ctx.stores.passkeys.takeChallenge(approvalChallengeId(request.id, device.id));
      const now = ctx.clock.now();
      if (!challenge || challenge.expiresAt <= now || !challenge.commitment) {
        throw new InvalidRequest('ask for the approval options first (or again: they expired or were used)');
      }
      const committed = JSON.parse(challenge.commitment) as Commitment;
      const current = canonicalCommitment(commitmentFor(request, committed.nonce));
      if (current !== challenge.commitment) {
        throw new Conflict('the request changed after the approval options were issued; review it again');
      }
      const passkey = await ctx.stores.passkeys.findPasskeyByCredentialId(response.id);
      if (!passkey || passkey.id !== device.id || passkey.sub !== request.sub || passkey.removedAt !== undefined) {
        ctx.logger.warn('approval refused: passkey not the signed-in device of the owner', {
          authRequestId: request.id,
          deviceId: device.id,
        });
        throw new AccessDenied('this passkey may not approve this request');
      }
      const verified = await verifyAssertion(response, challenge.challenge, passkey, relyingParty(ctx.settings));
      if (!verified.ok) {
        ctx.logger.warn('approval refused: assertion did not verify', {
          authRequestId: request.id,
          deviceId: device.id,
          reason: verified.reason,
        });
        throw new AccessDenied('the passkey assertion could not be verified');
      }
      await ctx.stores.passkeys.recordUse(passkey.id, verified.counter, now);
      return {
        authRequestId: request.id,
        sub: request.sub,
        deviceId: passkey.id,
        credentialId: passkey.credentialId,
        publicKey: passkey.publicKey,
        algorithm: passkey.algorithm,
        commitment: challenge.commitment,
        authenticatorData: response.response.authenticatorData,
        clientDataJSON: response.response.clientDataJSON,
        signature: response.response.signature,
        ...(response.response.userHandle ? { userHandle: response.response.userHandle } : {}),
        createdAt: now,
      };
    },
  };
}
