import type { SigningAlg } from './domain/tokens';

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
  /** Allow http:// notification endpoints on loopback hosts (development only). */
  allowLoopbackHttpNotifications: boolean;
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
  loginHintTokenIssuers: [],
  initialAccessTokens: [],
  bindingMessageMaxLength: 120,
  scopesSupported: ['openid', 'profile', 'email', 'phone', 'offline_access'],
  acrValuesSupported: ['urn:onboard:acr:passkey', 'urn:onboard:acr:device'],
  notificationMaxAttempts: 8,
  notificationBackoffMs: 500,
  notificationTimeoutMs: 5000,
});
