import type { ProviderContext } from '../../context';
import type { AuthRequest } from '../../domain/auth-request';
import { CIBA_GRANT_TYPE, type Client } from '../../domain/client';
import { sha256Base64url } from '../../tokens/token-hashes';

/**
 * The common case in one statement: the request named by `auth_req_id` is approved,
 * was made by this client, has not expired and is bound to no DPoP key or to the
 * proof's key. Then it is consumed at once (CIBA §7.3: once only), recording the grant
 * family `grantId` its tokens will carry, with its audit event, and returned. Otherwise nothing changes and undefined is returned: the grant
 * then runs its checks in the spec's order and answers with the precise error, so the
 * answers are the same either way.
 */
export async function consumeIfApproved(
  ctx: ProviderContext,
  client: Client,
  form: Map<string, string>,
  jkt: string | undefined,
  now: number,
  grantId: string,
): Promise<AuthRequest | undefined> {
  const authReqId = form.get('auth_req_id');
  if (!authReqId) return undefined;
  return ctx.stores.transaction(async (stores) => {
    const consumed = await stores.authRequests.transition(
      { authReqIdHash: sha256Base64url(authReqId) },
      'approved',
      { status: 'consumed', consumedAt: now, grantId },
      { clientId: client.clientId, liveAt: now, dpopJktAllowed: jkt ?? null },
    );
    if (consumed) await stores.audit.append(tokensIssued(ctx, client, consumed, jkt, now));
    return consumed;
  });
}

/** The audit event of a consumption: the point at which tokens are issued. */
export function tokensIssued(
  ctx: ProviderContext,
  client: Client,
  consumed: AuthRequest,
  jkt: string | undefined,
  now: number,
) {
  return {
    id: ctx.random.uuid(),
    at: now,
    type: 'tokens.issued',
    clientId: client.clientId,
    sub: consumed.sub,
    authRequestId: consumed.id,
    data: { grantType: CIBA_GRANT_TYPE, deliveryMode: consumed.deliveryMode, dpop: jkt !== undefined },
  };
}
