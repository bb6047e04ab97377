import type { ProviderContext } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import { AccessDenied } from '../errors/oauth-error';
import { sha256Base64url } from '../tokens/token-hashes';

/** CIBA §7.3 / §14: auth_req_id entropy; 32 random bytes = 256 bits, unpadded base64url. */
const AUTH_REQ_ID_BYTES = 32;

export interface NewAuthRequest {
  client: Client;
  owner: Owner;
  scope: string;
  acrValues?: string[];
  bindingMessage?: string;
  authorizationDetails?: unknown[];
  clientNotificationToken?: string;
  /** RFC 9449 §10 applied to CIBA: thumbprint the tokens are bound to. */
  dpopJkt?: string;
  expiresIn: number;
  requestObjectHash?: string;
}

/**
 * Create and persist the pending auth request (CIBA §7.3). The auth_req_id is a
 * bearer secret: only its sha-256 is stored, except for ping/push where the
 * notification must carry it (CIBA §10.2, §10.3).
 *
 * An owner has at most `limits.ownerPendingMax` pending requests (approval fatigue: a
 * person answers a handful, not hundreds); the store counts and inserts in one atomic
 * step, across replicas too. Beyond it the OpenID Provider denies the request (CIBA §13
 * access_denied, 403): the owner's queue, not the client's pace, is full, and only the
 * owner's answers or the requests' expiry free it.
 *
 * @throws AccessDenied when the owner already has the maximum of pending requests.
 */
export async function createAuthRequest(
  ctx: ProviderContext,
  input: NewAuthRequest,
): Promise<{ request: AuthRequest; authReqId: string }> {
  const authReqId = ctx.random.token(AUTH_REQ_ID_BYTES);
  const now = ctx.clock.now();
  const mode = input.client.backchannelTokenDeliveryMode;
  const request: AuthRequest = {
    id: ctx.random.uuid(),
    authReqIdHash: sha256Base64url(authReqId),
    clientId: input.client.clientId,
    sub: input.owner.sub,
    scope: input.scope,
    deliveryMode: mode,
    status: 'pending',
    createdAt: now,
    expiresAt: now + input.expiresIn * 1000,
    interval: ctx.settings.pollInterval,
  };
  if (input.acrValues) request.acrValues = input.acrValues;
  if (input.bindingMessage !== undefined) request.bindingMessage = input.bindingMessage;
  if (input.authorizationDetails) request.authorizationDetails = input.authorizationDetails;
  if (input.requestObjectHash) request.requestObjectHash = input.requestObjectHash;
  if (input.dpopJkt !== undefined) request.dpopJkt = input.dpopJkt;
  if (mode !== 'poll') {
    request.clientNotificationToken = input.clientNotificationToken;
    request.deliveryAuthReqId = authReqId;
  }
  const max = ctx.settings.limits.ownerPendingMax;
  if (!(await ctx.stores.authRequests.createIfFewerPending(request, max, now))) {
    ctx.metrics.limit?.('owner_pending', 'refused');
    throw new AccessDenied(`the user already has ${max} requests waiting for a decision`);
  }
  return { request, authReqId };
}
