import type { DeliveryMode } from './client';

/**
 * The backchannel authentication request (CIBA §7). States:
 * pending → approved | denied | expired; approved → consumed (tokens issued once).
 * (Poll-mode requests are not moved to `expired` by a sweeper: expiry is read from
 * `expiresAt`. Ping/push requests are, so the client can be notified, CIBA §10.2/§12.)
 * Only `completeAuthRequest` (approval/denial) and the CIBA grant (consume) change it.
 */
export type AuthRequestStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'consumed';

export interface AuthRequest {
  /** Internal id shown to the owner's device; distinct from the client's secret auth_req_id. */
  id: string;
  /** sha-256 (base64url) of the auth_req_id handed to the client (it is a bearer secret). */
  authReqIdHash: string;
  clientId: string;
  sub: string;
  scope: string;
  /** Claims requested; from scope and acr_values. */
  acrValues?: string[];
  bindingMessage?: string;
  authorizationDetails?: unknown[];
  /** Delivery mode frozen at request time. */
  deliveryMode: DeliveryMode;
  clientNotificationToken?: string;
  /**
   * The auth_req_id in clear, kept only for ping/push requests because the
   * notification body must carry it (CIBA §10.2, §10.3). Poll requests keep only the hash.
   */
  deliveryAuthReqId?: string;
  /**
   * `dpop_jkt` (the RFC 9449 §10 idea applied to CIBA): thumbprint of the key the
   * tokens of this request are bound to. Push issuance binds to it; a poll/ping token
   * request must present a DPoP proof made with that key.
   */
  dpopJkt?: string;
  /** Hash of the signed request object, for audit (non-repudiation). */
  requestObjectHash?: string;
  status: AuthRequestStatus;
  createdAt: number;
  expiresAt: number;
  /** Poll interval in seconds; grows by 5 on slow_down and stays grown. */
  interval: number;
  lastPolledAt?: number;
  /** Set on approval. */
  authTime?: number;
  acr?: string;
  amr?: string[];
  /** Who approved (or denied): owner device id. */
  approvedBy?: string;
  /** When the owner approved or denied (epoch ms), for approval→token latency metrics. */
  approvedAt?: number;
  /**
   * Why a denied request was denied, when not simply by the owner's "Deny": `not_me` (the
   * owner reported it as not theirs) or `owner_disabled` (the provider denied on their behalf).
   */
  denialReason?: 'not_me' | 'owner_disabled';
  /** Set on consumption, for the audit trail. */
  consumedAt?: number;
  /**
   * Set on consumption: the grant family (`grant_id` of the access tokens, family of the
   * refresh tokens) issued from this request, so a replay of the auth_req_id can revoke
   * them (RFC 6749 §4.1.2, applied to CIBA).
   */
  grantId?: string;
}
