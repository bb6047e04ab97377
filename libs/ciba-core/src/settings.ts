import type { SigningAlg } from './domain/tokens';

/** Limits on guessing and flooding (README, "Limits"). Counts and seconds. */
export interface LimitSettings {
  /** Wrong user codes for one owner before the owner's user code is locked. */
  userCodeMaxFailures: number;
  /** How long a user code stays locked, and the window its failures are counted in. */
  userCodeLockSeconds: number;
  /** Wrong user codes one client may send (for any owners) per userCodeLockSeconds before its user codes are refused. */
  userCodeClientMaxFailures: number;
  /** Pending requests an owner may have at once (approval fatigue). */
  ownerPendingMax: number;
  /** New requests one client may place on one owner per clientOwnerWindowSeconds. */
  clientOwnerRequests: number;
  clientOwnerWindowSeconds: number;
  /** Failed authentications (client, owner device, admin token) one source address may make per authFailureWindowSeconds. */
  authFailuresPerSource: number;
  authFailureWindowSeconds: number;
  /** How long a source over that limit is refused. */
  authBlockSeconds: number;
  /** Passkey attempts (enrolment, sign-in, approval) one source address may make per passkeyWindowSeconds. */
  passkeyAttemptsPerSource: number;
  /** Passkey attempts (enrolment, sign-in, approval) for one owner per passkeyWindowSeconds. */
  passkeyAttemptsPerOwner: number;
  passkeyWindowSeconds: number;
}

export const DEFAULT_LIMITS: Readonly<LimitSettings> = {
  userCodeMaxFailures: 5,
  userCodeLockSeconds: 900,
  userCodeClientMaxFailures: 50,
  ownerPendingMax: 20,
  clientOwnerRequests: 10,
  clientOwnerWindowSeconds: 60,
  authFailuresPerSource: 20,
  authFailureWindowSeconds: 300,
  authBlockSeconds: 900,
  passkeyAttemptsPerSource: 60,
  passkeyAttemptsPerOwner: 30,
  passkeyWindowSeconds: 300,
};

/** Provider policy, parsed once from the environment by @onboard/config. Times in seconds. */
export interface ProviderSettings {
  /** Issuer identifier (no trailing slash); endpoints are issuer + path. */
  issuer: string;
  /** Advertised minimum poll interval (CIBA §7.3), default 2. */
  pollInterval: number;
  /** Long-poll: a token request for a pending request waits up to this long (0 disables). */
  longPollSeconds: number;
  /** Default auth request lifetime when requested_expiry is absent. */
  defaultExpiry: number;
  /** Upper bound for requested_expiry. */
  maxExpiry: number;
  accessTokenTtl: number;
  /**
   * JWS alg of access tokens (RFC 9068 §2.1), default ES256: the provider itself is their
   * resource server; RS256 for resource servers that only know RSA. FAPI clients never get RS256.
   */
  accessTokenSigningAlg?: SigningAlg;
  idTokenTtl: number;
  refreshTokenTtl: number;
  /** How old (past exp) an id_token_hint may be and still be accepted. */
  idTokenHintMaxAge: number;
  /** Max request-object lifetime exp - nbf (CIBA §7.1.1 / FAPI: 60 min). */
  requestObjectMaxLifetime: number;
  /** Enforce FAPI-CIBA for every client. */
  fapiCiba: boolean;
  /**
   * Allow loopback targets (localhost, 127.0.0.0/8, ::1) for outbound requests, and http://
   * notification endpoints and jwks_uri on them (development and same-host setups only).
   */
  allowLoopbackHttpNotifications: boolean;
  /**
   * Address ranges (CIDR) outbound requests may reach although they are private, link-local,
   * unique-local…: the operator's own network (e.g. the bridge's push endpoint). Cloud
   * metadata addresses stay refused.
   */
  outboundAllowCidrs: string[];
  /** Trusted issuers of login_hint_token. */
  loginHintTokenIssuers: { issuer: string; jwksUri?: string; jwks?: { keys: Record<string, unknown>[] } }[];
  /** Initial access tokens that guard Dynamic Client Registration (RFC 7591 §3). */
  initialAccessTokens: string[];
  /** Admin API bearer token (absent: admin HTTP API disabled). */
  adminToken?: string;
  /** Binding message policy: max length in characters. */
  bindingMessageMaxLength: number;
  /** Supported scopes (openid always). */
  scopesSupported: string[];
  /** Supported acr values, in order of strength. */
  acrValuesSupported: string[];
  /** Outbox: max attempts and base backoff (ms). */
  notificationMaxAttempts: number;
  notificationBackoffMs: number;
  notificationTimeoutMs: number;
  /** RFC 9396 §14: accepted authorization_details types; absent = any type (advertised only when set). */
  authorizationDetailsTypesSupported?: string[];
  /** Limits on guessing and flooding. */
  limits: LimitSettings;
  /** The owner app: WebAuthn relying party, sessions, invitations. */
  ownerApp: OwnerAppSettings;
}

/**
 * The owner app's WebAuthn relying party and lifetimes. The RP ID and the allowed origins
 * follow the issuer (its host name, and its origin) unless set.
 */
export interface OwnerAppSettings {
  /** RP ID (a registrable domain the app's origin is on); default: the issuer's host name. */
  rpId?: string;
  /** RP name shown by the authenticator. */
  rpName: string;
  /** Origins the app may run on; default: the issuer's origin. */
  origins?: string[];
  /** Seconds a sign-in session lasts. */
  sessionTtl: number;
  /** Seconds an enrolment invitation lasts. */
  invitationTtl: number;
  /** Seconds a WebAuthn challenge may be answered in. */
  challengeTtl: number;
  /**
   * The VAPID `sub` claim (RFC 8292 §2.1): a `mailto:` or `https:` contact the push services
   * may use; default: the issuer's origin (an http issuer, for development, gives a `mailto:`).
   */
  vapidSubject?: string;
  /**
   * Owner notification webhook for every client that registered none of its own
   * (`onboard_owner_notification_uri`): a signed POST per new request (docs/notifications.md).
   */
  webhookUrl?: string;
  /** `aud` of the webhook's JWS; default: the client's id. */
  webhookAudience?: string;
}

/** The VAPID subject in force for `settings` (see {@link OwnerAppSettings.vapidSubject}). */
export function vapidSubject(settings: ProviderSettings): string {
  if (settings.ownerApp.vapidSubject) return settings.ownerApp.vapidSubject;
  const issuer = new URL(settings.issuer);
  // Push services take an https: URL or a mailto: address (RFC 8292 §2.1).
  return issuer.protocol === 'https:' ? issuer.origin : `mailto:push@${issuer.hostname}`;
}

/** The RP ID and allowed origins in force for `settings` (see {@link OwnerAppSettings}). */
export function relyingParty(settings: ProviderSettings): { rpId: string; rpName: string; origins: string[] } {
  const issuer = new URL(settings.issuer);
  return {
    rpId: settings.ownerApp.rpId ?? issuer.hostname,
    rpName: settings.ownerApp.rpName,
    origins: settings.ownerApp.origins ?? [issuer.origin],
  };
}

export const defaultSettings = (issuer: string): ProviderSettings => ({
  issuer,
  pollInterval: 2,
  longPollSeconds: 25,
  defaultExpiry: 300,
  maxExpiry: 1800,
  accessTokenTtl: 600,
  accessTokenSigningAlg: 'ES256',
  idTokenTtl: 600,
  refreshTokenTtl: 30 * 24 * 3600,
  idTokenHintMaxAge: 24 * 3600,
  requestObjectMaxLifetime: 3600,
  fapiCiba: false,
  allowLoopbackHttpNotifications: false,
  outboundAllowCidrs: [],
  loginHintTokenIssuers: [],
  initialAccessTokens: [],
  bindingMessageMaxLength: 120,
  scopesSupported: ['openid', 'profile', 'email', 'phone', 'offline_access'],
  acrValuesSupported: ['urn:onboard:acr:passkey', 'urn:onboard:acr:device'],
  notificationMaxAttempts: 8,
  notificationBackoffMs: 500,
  notificationTimeoutMs: 5000,
  limits: { ...DEFAULT_LIMITS },
  ownerApp: { rpName: 'Onboard', sessionTtl: 30 * 24 * 3600, invitationTtl: 24 * 3600, challengeTtl: 300 },
});
