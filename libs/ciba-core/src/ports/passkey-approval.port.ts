import type { AuthRequest } from '../domain/auth-request';
import type { ApprovalAssertion } from '../domain/passkey';

/** The `acr` of an approval the provider verified as a passkey assertion with user verification. */
export const PASSKEY_ACR = 'urn:onboard:acr:passkey';

/** The `amr` of such an approval (RFC 8176): key possession and user verification. */
export const PASSKEY_AMR = ['pop', 'user', 'mfa'];

/**
 * Policy hook "verify a passkey approval": runs when a signed-in owner app approves a
 * request, before the request is completed. It takes the challenge issued for this
 * request and device, checks that the request still shows what the challenge committed to,
 * and verifies the WebAuthn assertion in `body.credential` (right owner, device not
 * removed, user verification). Returns the assertion to store with the approval.
 *
 * @throws an OAuthError: `invalid_request` for a missing or malformed credential,
 * `access_denied` (403) for another owner's or a removed passkey or a failed verification,
 * `conflict` (409) when the request changed since the challenge was issued.
 */
export interface PasskeyApprovalVerifier {
  verifyApproval(
    request: AuthRequest,
    device: { id: string; sub: string },
    body: Record<string, unknown>,
  ): Promise<ApprovalAssertion>;
  /**
   * The approval receipt of a stored assertion for `clientId` (docs/receipts.md): for
   * clients registered with `onboard_approval_receipts`, it rides in the token response
   * and the push payload as `approval_receipt`.
   */
  issueReceipt(assertion: ApprovalAssertion, clientId: string): Promise<string>;
}
