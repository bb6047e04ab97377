import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { ApprovalAssertion } from '../domain/passkey';
import type { TokenResponse } from './issue-tokens';

/** Whether the client registered for approval receipts in its token responses (`onboard_approval_receipts`). */
export function wantsApprovalReceipts(client: Client): boolean {
  return client.metadata.onboard_approval_receipts === true;
}

/**
 * The token response with the approval receipt of `assertion` added as `approval_receipt`
 * (Onboard extension, docs/receipts.md), when the client registered for receipts and the
 * owner approved with a passkey the provider verified; else `tokens` unchanged. A receipt
 * that cannot be issued is logged and left out: the tokens are delivered regardless, and the
 * client can still fetch the receipt from the receipts endpoint.
 */
export async function attachApprovalReceipt(
  ctx: ProviderContext,
  client: Client,
  tokens: TokenResponse,
  assertion: ApprovalAssertion | undefined,
): Promise<TokenResponse> {
  if (!assertion || !ctx.passkeyApprovals || !wantsApprovalReceipts(client)) return tokens;
  try {
    return { ...tokens, approval_receipt: await ctx.passkeyApprovals.issueReceipt(assertion, client.clientId) };
  } catch (error) {
    ctx.logger.warn('approval receipt not issued', {
      authRequestId: assertion.authRequestId,
      errorMessage: (error as Error).message,
    });
    return tokens;
  }
}
