import type { ProviderContext } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import { CIBA_GRANT_TYPE, type Client } from '../domain/client';
import { InvalidGrant, UnauthorizedClient } from '../errors/oauth-error';
import { attachApprovalReceipt, wantsApprovalReceipts } from '../tokens/attach-approval-receipt';
import { issueTokens, type TokenResponse } from '../tokens/issue-tokens';
import { checkDpopBinding } from './ciba/check-dpop-binding';
import { checkOwnerActive } from './ciba/check-owner-active';
import { checkPollInterval } from './ciba/check-poll-interval';
import { checkRequestState } from './ciba/check-request-state';
import { consumeIfApproved, tokensIssued } from './ciba/consume-if-approved';
import { consumeOnce } from './ciba/consume-once';
import { findAuthRequest } from './ciba/find-auth-request';
import { revokeReplayedGrant } from './ciba/revoke-replayed-grant';
import { waitForDecision } from './ciba/wait-for-decision';
import type { GrantInput, TokenGrant } from './token-grant';

/**
 * The CIBA grant, `urn:openid:params:grant-type:ciba` (CIBA §10.1), checked in the
 * spec's order: push clients refused → find → DPoP binding (dpop_jkt) → consumed / expired / denied →
 * pending (slow_down, long poll, authorization_pending) → consume once → owner still active → issue.
 * An approved request is first tried in one compare-and-set (consumeIfApproved); only when that
 * does not apply do the ordered checks run, so every error is the one the spec's order gives. A
 * consumed auth_req_id presented again revokes the tokens issued from it (revokeReplayedGrant).
 */
export const cibaGrant: TokenGrant = {
  grantType: CIBA_GRANT_TYPE,
  async handle(ctx: ProviderContext, { client, form, jkt }: GrantInput): Promise<TokenResponse> {
    // CIBA §10.3, §11: push-mode clients get their tokens at the notification endpoint.
    if (client.backchannelTokenDeliveryMode === 'push') {
      throw new UnauthorizedClient('push-mode clients must not use the CIBA grant at the token endpoint');
    }
    const startedAt = ctx.clock.now();
    // The grant family of the tokens, recorded on the request when it is consumed (a replay revokes it).
    const grantId = ctx.random.uuid();
    const consumed =
      (await consumeIfApproved(ctx, client, form, jkt, startedAt, grantId)) ??
      (await checkAndConsume(ctx, client, form, jkt, startedAt, grantId));
    const now = ctx.clock.now();
    await checkOwnerActive(ctx, consumed, now);
    const tokens = await issueTokens(ctx, {
      client,
      sub: consumed.sub,
      scope: consumed.scope,
      authTime: consumed.authTime ?? now,
      acr: consumed.acr,
      amr: consumed.amr,
      authorizationDetails: consumed.authorizationDetails,
      jkt,
      authReqId: form.get('auth_req_id'),
      familyId: grantId,
    });
    // The owner's approval sets authTime, so this is approval → token.
    if (consumed.authTime !== undefined)
      ctx.metrics.observe('approval_to_token_seconds', (ctx.clock.now() - consumed.authTime) / 1000);
    if (!wantsApprovalReceipts(client)) return tokens;
    return attachApprovalReceipt(ctx, client, tokens, await ctx.stores.passkeys.findAssertion(consumed.id));
  },
};

/** The checks in the spec's order, then consumption: for every case the fast path does not take. */
async function checkAndConsume(
  ctx: ProviderContext,
  client: Client,
  form: Map<string, string>,
  jkt: string | undefined,
  startedAt: number,
  grantId: string,
): Promise<AuthRequest> {
  let request = await findAuthRequest(ctx, client, form);
  checkDpopBinding(request, jkt);
  await revokeReplayedGrant(ctx, request);
  if (checkRequestState(request, startedAt) === 'pending') {
    await checkPollInterval(ctx, request, startedAt);
    request = await waitForDecision(ctx, request, startedAt);
  }
  const now = ctx.clock.now();
  // Consumption is the point of issue: the audit event is written with it, in one
  // transaction (one commit instead of two on the way to the tokens).
  try {
    return await ctx.stores.transaction(async (stores) => {
      const done = await consumeOnce({ ...ctx, stores }, request, now, grantId);
      await stores.audit.append(tokensIssued(ctx, client, done, jkt, now));
      return done;
    });
  } catch (error) {
    // Lost the race to a concurrent redemption: a replay as well.
    if (error instanceof InvalidGrant) {
      const winner = await ctx.stores.authRequests.find(request.id);
      if (winner) await revokeReplayedGrant(ctx, winner);
    }
    throw error;
  }
}
