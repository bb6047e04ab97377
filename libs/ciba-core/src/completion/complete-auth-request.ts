import type { ProviderContext } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import type { ApprovalAssertion } from '../domain/passkey';
import {
  enqueueNotification,
  pingBody,
  pushErrorBody,
  pushTokenBody,
  type QueuedNotification,
} from '../delivery/notification-message';
import { Conflict, NotFound } from '../errors/oauth-error';
import type { Stores } from '../ports/stores.port';
import { announceAuthRequestUpdate } from '../ports/owner-notifier.port';
import { encryptTokenResponse } from '../tokens/encrypt-token-response';
import { attachApprovalReceipt } from '../tokens/attach-approval-receipt';
import { issueTokens } from '../tokens/issue-tokens';
import { expireAuthRequest } from './expire-auth-request';

/**
 * The `acr` of an approval made with the owner device's credential alone, used when the
 * device reports none, so an ID token always states what was achieved (FAPI-CIBA §5.2.2-8
 * asks for `acr` whenever it was requested).
 */
export const DEVICE_CREDENTIAL_ACR = 'urn:onboard:acr:device';

/** The owner's answer on the authentication device. */
export interface CompleteAuthRequestInput {
  /** Internal request id (the one the owner device sees, not the client's auth_req_id). */
  id: string;
  /** The authenticated owner; a request of another owner is reported as not found. */
  sub: string;
  decision: 'approve' | 'deny';
  /**
   * Owner device that answered (audit: who approved). Absent only when the provider denies
   * on the owner's behalf (`reason`).
   */
  deviceId?: string;
  /**
   * Why the request was denied, beyond a plain "Deny": the provider denied it because the
   * owner was disabled (`owner_disabled`), or the owner reported it as not theirs (`not_me`:
   * flagged in the audit log and a metric, and the client is told so).
   */
  reason?: 'owner_disabled' | 'not_me';
  /** The passkey assertion the provider verified for this approval; stored with it. */
  assertion?: ApprovalAssertion;
  /**
   * Authentication context achieved on the device (returned as `acr` in the ID token).
   * Defaults to {@link DEVICE_CREDENTIAL_ACR}: approval by an authenticated owner device.
   */
  acr?: string;
  /** Authentication methods used on the device (`amr`). */
  amr?: string[];
}

/**
 * The one entry point that completes an authentication request (STYLE §7): pending →
 * approved | denied, then delivery by mode:
 *  - poll: wakes long-polling token requests (CIBA §7.4);
 *  - ping: queues the callback `{"auth_req_id"}` (CIBA §10.2) and wakes the outbox worker;
 *  - push: on approval issues the tokens at once (bound to the request's `dpop_jkt`, if
 *    any), moves approved → consumed and queues the token response (CIBA §10.3.1;
 *    encrypted for clients registered for it, see encryptTokenResponse); on denial
 *    queues the error payload (CIBA §12).
 * The state change, the audit event and the outbox message are written in one store
 * transaction. An expired request is moved to expired (clients are told, see
 * {@link expireAuthRequest}) and reported as a conflict.
 *
 * @throws NotFound the request does not exist or belongs to another owner.
 * @throws Conflict the request expired or is no longer pending.
 *
 * @example
 * const done = await completeAuthRequest(ctx, { id, sub, decision: 'approve', deviceId, acr: 'urn:onboard:acr:passkey' });
 */
export async function completeAuthRequest(ctx: ProviderContext, input: CompleteAuthRequestInput): Promise<AuthRequest> {
  const now = ctx.clock.now();
  const approve = input.decision === 'approve';
  const acr = input.acr ?? DEVICE_CREDENTIAL_ACR;
  const patch: Partial<AuthRequest> = approve
    ? { status: 'approved', authTime: now, approvedAt: now, acr, amr: input.amr, approvedBy: input.deviceId }
    : {
        status: 'denied',
        approvedAt: now,
        ...(input.deviceId !== undefined ? { approvedBy: input.deviceId } : {}),
        ...(input.reason !== undefined ? { denialReason: input.reason } : {}),
      };

  // Compare-and-set first: a pending, unexpired request of this owner moves in one
  // statement, together with its audit event and notification. Anything else is
  // explained below from what the store holds.
  const outcome = await ctx.stores.transaction(async (stores) => {
    const updated = await stores.authRequests.transition(input.id, 'pending', patch, { sub: input.sub, liveAt: now });
    if (!updated) return undefined;
    const client = updated.deliveryMode === 'poll' ? undefined : await stores.clients.find(updated.clientId);
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: approve ? 'auth_request.approved' : 'auth_request.denied',
      clientId: updated.clientId,
      sub: updated.sub,
      authRequestId: updated.id,
      data: {
        ...(input.deviceId !== undefined ? { deviceId: input.deviceId } : {}),
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
        ...(input.reason === 'not_me' ? { flagged: true } : {}),
        ...(approve ? { acr } : {}),
        ...(input.assertion ? { credentialId: input.assertion.credentialId } : {}),
      },
    });
    if (approve && input.assertion) await stores.passkeys.saveAssertion(input.assertion);
    return deliver(ctx, stores, updated, client, now, input.reason, approve ? input.assertion : undefined);
  });
  if (!outcome) return refuse(ctx, input, now);

  if (input.reason === 'not_me') ctx.metrics.outcome('owner_decision', 'not_me');
  ctx.signals.authRequestCompleted(input.id);
  if (outcome.message)
    ctx.signals.notificationQueued?.(outcome.message.id, outcome.message.leased ? outcome.message : undefined);
  announceAuthRequestUpdate(ctx, outcome.request);
  return outcome.request;
}

/** Why a decision could not be applied: not found, expired (the client is told) or already answered. */
async function refuse(ctx: ProviderContext, input: CompleteAuthRequestInput, now: number): Promise<never> {
  const request = await ctx.stores.authRequests.find(input.id);
  // Another owner's request is indistinguishable from a missing one.
  if (!request || request.sub !== input.sub) throw new NotFound('no such authentication request');
  if (request.status === 'pending' && request.expiresAt <= now) {
    await expireAuthRequest(ctx, request);
    throw new Conflict('the authentication request has expired');
  }
  if (request.status !== 'pending') throw new Conflict(`the authentication request is already ${request.status}`);
  // Still pending and live: another decision won a race and was rolled back meanwhile.
  throw new Conflict('the authentication request is no longer pending');
}

async function deliver(
  ctx: ProviderContext,
  stores: Stores,
  request: AuthRequest,
  client: Client | undefined,
  now: number,
  reason?: CompleteAuthRequestInput['reason'],
  assertion?: ApprovalAssertion,
): Promise<{ request: AuthRequest; message?: QueuedNotification }> {
  const authReqId = request.deliveryAuthReqId ?? '';
  switch (request.deliveryMode) {
    case 'poll':
      return { request };
    case 'ping': {
      // CIBA §10.2: sent on approval and on denial alike.
      const message = await enqueueNotification(ctx, stores, request, client, pingBody(authReqId));
      if (!message) warnUndeliverable(ctx, request);
      return { request, message };
    }
    case 'push': {
      if (request.status === 'denied') {
        // The client learns of a denial, not why: a disabled owner looks like one who said no.
        const description = denialDescription(reason);
        const body = pushErrorBody(authReqId, 'access_denied', description);
        const message = await enqueueNotification(ctx, stores, request, client, body);
        if (!message) warnUndeliverable(ctx, request);
        return { request, message };
      }
      if (!client || client.disabled || !client.backchannelClientNotificationEndpoint) {
        warnUndeliverable(ctx, request);
        return { request };
      }
      // CIBA §10.3: push clients never call the token endpoint, so tokens are issued now,
      // with the same stores, i.e. inside the transaction.
      const grantId = ctx.random.uuid();
      const tokens = await issueTokens(
        { ...ctx, stores },
        {
          client,
          sub: request.sub,
          scope: request.scope,
          authTime: request.authTime ?? now,
          acr: request.acr,
          amr: request.amr,
          authorizationDetails: request.authorizationDetails,
          jkt: request.dpopJkt, // RFC 9449 §10 applied to CIBA: bound to the key the client named
          authReqId,
          familyId: grantId,
        },
      );
      const consumed = await stores.authRequests.transition(request.id, 'approved', {
        status: 'consumed',
        consumedAt: now,
        grantId,
      });
      await stores.audit.append({
        id: ctx.random.uuid(),
        at: now,
        type: 'auth_request.consumed',
        clientId: request.clientId,
        sub: request.sub,
        authRequestId: request.id,
        data: { delivery: 'push' },
      });
      // Onboard extension: `{auth_req_id, encrypted_token_response}` for clients registered for encryption.
      // With the approval receipt for clients registered for it (inside the encryption, if any).
      const delivered = await attachApprovalReceipt(ctx, client, tokens, assertion);
      const body = pushTokenBody(authReqId, { ...(await encryptTokenResponse(ctx, client, delivered)) });
      const message = await enqueueNotification(ctx, stores, consumed ?? request, client, body);
      return { request: consumed ?? request, message };
    }
  }
}

/**
 * The `error_description` a client gets for a denied request (CIBA §12, §11): a report of
 * "this wasn't me" is said, so the client can warn its user; a disabled owner looks like one
 * who said no.
 */
export function denialDescription(reason: AuthRequest['denialReason']): string {
  switch (reason) {
    case 'not_me':
      return 'the owner reported that they did not make this request';
    case 'owner_disabled':
      return 'the request was denied';
    case undefined:
      return 'the owner denied the request';
  }
}

function warnUndeliverable(ctx: ProviderContext, request: AuthRequest): void {
  ctx.logger.warn('completed request cannot be notified (client missing, disabled or without endpoint)', {
    authRequestId: request.id,
    clientId: request.clientId,
  });
}
