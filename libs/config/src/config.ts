import { createOutboundGuard, parseCidr } from '@onboard/platform';
import {
  defaultSettings,
  SIGNING_ALGS,
  type LimitSettings,
  type ProviderSettings,
  type SigningAlg,
} from '@onboard/ciba-core';

import {
  ConfigError,
  MIN_ADMIN_TOKEN_LENGTH,
  boolean,
  databaseUrl,
  logLevel,
  read,
  type Env,
  type LogLevel,
} from './env-values';
import { keyEncryptionConfig, type KeyEncryptionConfig } from './key-encryption-config';

export { ConfigError, LOG_LEVELS, MIN_ADMIN_TOKEN_LENGTH, type LogLevel } from './env-values';

/** The provider's configuration, parsed and validated once at boot (STYLE §12). */
export interface ProviderConfig {
  /** TCP port to listen on (0 = any free port). */
  port: number;
  /** Interface to bind. */
  host: string;
  /** `sqlite:<file>`, `sqlite::memory:`, or `postgres://…`. */
  databaseUrl: string;
  logLevel: LogLevel;
  /**
   * A listener of its own for the admin API and /metrics (ADMIN_PORT, ADMIN_HOST); undefined:
   * they are served on the main listener.
   */
  operatorListener?: { port: number; host: string };
  /** Bearer token /metrics requires (METRICS_TOKEN); undefined: /metrics is open. */
  metricsToken?: string;
  /**
   * Serve HTTPS on the main listener with this certificate chain and key (PEM files,
   * TLS_CERT_FILE and TLS_KEY_FILE); undefined: plain HTTP (behind a TLS-terminating proxy).
   */
  tls?: { certFile: string; keyFile: string };
  /** Protocol policy handed to the core. */
  settings: ProviderSettings;
  /** Where the key-encryption keys that wrap the private signing keys at rest come from. */
  keyEncryption: KeyEncryptionConfig;
  /**
   * True when ISSUER was not set and the issuer was derived from PORT
   * (`http://localhost:<port>`); with PORT=0 the app fixes it up once it knows the bound port.
   */
  issuerDerived: boolean;
}

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got '${raw}'`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A comma- or whitespace-separated list. */
function list(env: Env, name: string): string[] | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  return raw.split(/[\s,]+/).filter((item) => item !== '');
}

function parseIssuer(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a URL: '${raw}'`);
  }
  // OIDC Discovery §3: the issuer is an https URL with no query or fragment (http allowed for development).
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(name, 'must be an http(s) URL');
  if (url.search || url.hash) throw new ConfigError(name, 'must not contain a query or fragment');
  if (url.username || url.password) throw new ConfigError(name, 'must not contain credentials');
  return raw.replace(/\/+$/, '');
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopbackHttp(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

function parseLoginHintTokenIssuers(env: Env): ProviderSettings['loginHintTokenIssuers'] {
  const name = 'LOGIN_HINT_TOKEN_ISSUERS';
  const raw = read(env, name);
  if (raw === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'not valid JSON');
  }
  if (!Array.isArray(value)) throw new ConfigError(name, 'expected a JSON array of {issuer, jwks_uri | jwks}');
  return value.map((entry: unknown, index) => {
    const at = `entry ${index}`;
    if (typeof entry !== 'object' || entry === null) throw new ConfigError(name, `${at} is not an object`);
    const fields = entry as Record<string, unknown>;
    const { issuer, jwks } = fields;
    // The JSON is edge input: the OIDC spelling jwks_uri is accepted as well as jwksUri.
    const jwksUri = fields.jwks_uri ?? fields.jwksUri;
    if (typeof issuer !== 'string' || issuer === '') throw new ConfigError(name, `${at} has no issuer`);
    if (jwksUri !== undefined && (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri))) {
      throw new ConfigError(name, `${at}: jwks_uri must be an http(s) URL`);
    }
    const keys = (jwks as { keys?: unknown } | undefined)?.keys;
    if (jwks !== undefined && !Array.isArray(keys)) throw new ConfigError(name, `${at}: jwks must be {"keys": [...]}`);
    if (jwksUri === undefined && jwks === undefined) throw new ConfigError(name, `${at} needs jwks_uri or jwks`);
    return {
      issuer,
      ...(jwksUri !== undefined ? { jwksUri: jwksUri as string } : {}),
      ...(jwks !== undefined ? { jwks: { keys: keys as Record<string, unknown>[] } } : {}),
    };
  });
}

/** OUTBOUND_ALLOW_CIDRS: CIDR ranges (or single addresses) outbound requests may reach. */
function outboundAllowCidrs(env: Env): string[] {
  const name = 'OUTBOUND_ALLOW_CIDRS';
  return (list(env, name) ?? []).map((entry) => {
    try {
      return parseCidr(entry);
    } catch (error) {
      throw new ConfigError(name, (error as Error).message);
    }
  });
}

/**
 * A trusted issuer's jwks_uri whose host the outbound policy refuses would fail at every
 * fetch: refused at start-up instead, naming the entry.
 */
function checkIssuerTargets(settings: ProviderSettings): void {
  const guard = createOutboundGuard({
    allowLoopback: settings.allowLoopbackHttpNotifications,
    allowCidrs: settings.outboundAllowCidrs,
  });
  settings.loginHintTokenIssuers.forEach((entry, index) => {
    if (entry.jwksUri === undefined) return;
    let host: string;
    try {
      host = new URL(entry.jwksUri).hostname;
    } catch {
      throw new ConfigError('LOGIN_HINT_TOKEN_ISSUERS', `entry ${index}: jwks_uri is not a URL`);
    }
    const reason = guard.checkHost(host);
    if (reason !== undefined) {
      throw new ConfigError(
        'LOGIN_HINT_TOKEN_ISSUERS',
        `entry ${index}: jwks_uri host ${host} is ${reason}; allow its range in OUTBOUND_ALLOW_CIDRS`,
      );
    }
  });
}

/**
 * The owner app's WebAuthn relying party: `OWNER_APP_RP_ID` (default: the issuer's host) and
 * `OWNER_APP_ORIGINS` (comma-separated; default: the issuer's origin), with the lifetimes of
 * sessions, invitations and challenges (seconds).
 */
function ownerAppSettings(env: Env, base: ProviderSettings['ownerApp']): ProviderSettings['ownerApp'] {
  const rpId = env.OWNER_APP_RP_ID?.trim();
  if (rpId !== undefined && rpId !== '' && !/^[a-z0-9.-]+$/i.test(rpId)) {
    throw new ConfigError('OWNER_APP_RP_ID', 'must be a host name (the RP ID), e.g. owner.example.com');
  }
  const origins = list(env, 'OWNER_APP_ORIGINS');
  for (const origin of origins ?? []) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError('OWNER_APP_ORIGINS', `'${origin}' is not an origin (scheme://host[:port])`);
    }
  }
  return {
    rpName: env.OWNER_APP_RP_NAME?.trim() || base.rpName,
    ...(rpId ? { rpId } : {}),
    ...(origins ? { origins } : {}),
    sessionTtl: integer(env, 'OWNER_SESSION_TTL', base.sessionTtl, 60, 366 * 86400),
    invitationTtl: integer(env, 'OWNER_INVITATION_TTL', base.invitationTtl, 60, 30 * 86400),
    challengeTtl: integer(env, 'OWNER_CHALLENGE_TTL', base.challengeTtl, 30, 3600),
    ...ownerNotificationSettings(env),
  };
}

/**
 * Owner notifications (docs/notifications.md): `OWNER_PUSH_VAPID_SUBJECT` (a `mailto:` or
 * `https:` contact for push services), `OWNER_WEBHOOK_URL` (the webhook of clients that
 * registered none) and `OWNER_WEBHOOK_AUDIENCE` (its `aud`, default the client id).
 */
function ownerNotificationSettings(
  env: Env,
): Pick<ProviderSettings['ownerApp'], 'vapidSubject' | 'webhookUrl' | 'webhookAudience'> {
  const subject = read(env, 'OWNER_PUSH_VAPID_SUBJECT');
  if (subject !== undefined && !/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(subject)) {
    throw new ConfigError('OWNER_PUSH_VAPID_SUBJECT', 'must be a mailto: address or an https: URL (RFC 8292 §2.1)');
  }
  const webhook = read(env, 'OWNER_WEBHOOK_URL');
  if (webhook !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(webhook);
    } catch {
      url = undefined;
    }
    // http only to this host, for development (the outbox worker allows it only with
    // ALLOW_LOOPBACK_HTTP_NOTIFICATIONS).
    const loopbackHttp = url?.protocol === 'http:' && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname);
    if (!url || !(url.protocol === 'https:' || loopbackHttp) || url.username || url.password) {
      throw new ConfigError('OWNER_WEBHOOK_URL', 'must be an https URL without credentials');
    }
  }
  const audience = read(env, 'OWNER_WEBHOOK_AUDIENCE');
  return {
    ...(subject !== undefined ? { vapidSubject: subject } : {}),
    ...(webhook !== undefined ? { webhookUrl: webhook } : {}),
    ...(audience !== undefined ? { webhookAudience: audience } : {}),
  };
}

/** TLS_CERT_FILE and TLS_KEY_FILE: both or neither. */
function parseTls(env: Env): { certFile: string; keyFile: string } | undefined {
  const certFile = read(env, 'TLS_CERT_FILE');
  const keyFile = read(env, 'TLS_KEY_FILE');
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined) throw new ConfigError('TLS_CERT_FILE', 'is needed with TLS_KEY_FILE');
  if (keyFile === undefined) throw new ConfigError('TLS_KEY_FILE', 'is needed with TLS_CERT_FILE');
  return { certFile, keyFile };
}

/** ADMIN_PORT (and ADMIN_HOST, default 127.0.0.1): the operator listener, off unless set. */
function parseOperatorListener(env: Env, mainPort: number): { port: number; host: string } | undefined {
  const host = read(env, 'ADMIN_HOST');
  if (read(env, 'ADMIN_PORT') === undefined) {
    if (host !== undefined) throw new ConfigError('ADMIN_HOST', 'needs ADMIN_PORT');
    return undefined;
  }
  const port = integer(env, 'ADMIN_PORT', 0, 0, 65535);
  if (port !== 0 && port === mainPort) throw new ConfigError('ADMIN_PORT', `must differ from PORT (${mainPort})`);
  return { port, host: host ?? '127.0.0.1' };
}

const DAY = 86_400;
const MAX_COUNT = 1_000_000_000;

/** The guessing and flooding limits (README, "Limits"). */
function parseLimits(env: Env, base: LimitSettings): LimitSettings {
  return {
    userCodeMaxFailures: integer(env, 'USER_CODE_MAX_FAILURES', base.userCodeMaxFailures, 1, 1000),
    userCodeLockSeconds: integer(env, 'USER_CODE_LOCK_SECONDS', base.userCodeLockSeconds, 1, 30 * DAY),
    userCodeClientMaxFailures: integer(
      env,
      'USER_CODE_CLIENT_MAX_FAILURES',
      base.userCodeClientMaxFailures,
      1,
      MAX_COUNT,
    ),
    ownerPendingMax: integer(env, 'OWNER_PENDING_LIMIT', base.ownerPendingMax, 1, MAX_COUNT),
    clientOwnerRequests: integer(env, 'CLIENT_OWNER_REQUEST_LIMIT', base.clientOwnerRequests, 1, MAX_COUNT),
    clientOwnerWindowSeconds: integer(env, 'CLIENT_OWNER_REQUEST_WINDOW', base.clientOwnerWindowSeconds, 1, DAY),
    authFailuresPerSource: integer(env, 'AUTH_FAILURES_PER_SOURCE', base.authFailuresPerSource, 1, MAX_COUNT),
    authFailureWindowSeconds: integer(env, 'AUTH_FAILURE_WINDOW', base.authFailureWindowSeconds, 1, DAY),
    authBlockSeconds: integer(env, 'AUTH_BLOCK_SECONDS', base.authBlockSeconds, 1, 30 * DAY),
    passkeyAttemptsPerSource: integer(env, 'PASSKEY_SOURCE_LIMIT', base.passkeyAttemptsPerSource, 1, MAX_COUNT),
    passkeyAttemptsPerOwner: integer(env, 'PASSKEY_OWNER_LIMIT', base.passkeyAttemptsPerOwner, 1, MAX_COUNT),
    passkeyWindowSeconds: integer(env, 'PASSKEY_LIMIT_WINDOW', base.passkeyWindowSeconds, 1, DAY),
  };
}

/** ACCESS_TOKEN_SIGNING_ALG: one of the algs the key ring signs with; under FAPI-CIBA not RS256. */
function accessTokenSigningAlg(env: Env, fallback: SigningAlg, fapi: boolean): SigningAlg {
  const name = 'ACCESS_TOKEN_SIGNING_ALG';
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!(SIGNING_ALGS as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${SIGNING_ALGS.join(', ')}, got '${raw}'`);
  }
  if (fapi && raw === 'RS256') throw new ConfigError(name, 'FAPI_CIBA allows only PS256 or ES256');
  return raw as SigningAlg;
}

/**
 * Parse and validate the environment into a {@link ProviderConfig}. This is the only
 * place `process.env` is read (STYLE §12). Throws {@link ConfigError} naming the
 * variable on the first bad value.
 *
 * @example
 * const config = loadConfig({ PORT: '0', DATABASE_URL: 'sqlite::memory:' });
 * config.settings.issuer; // 'http://localhost:0', fixed up after listen
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  const port = integer(env, 'PORT', 4000, 0, 65535);
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const database = databaseUrl('DATABASE_URL', read(env, 'DATABASE_URL') ?? 'sqlite:./data/onboard.sqlite');

  const tls = parseTls(env);
  const issuerRaw = read(env, 'ISSUER');
  const issuer =
    issuerRaw !== undefined ? parseIssuer('ISSUER', issuerRaw) : `${tls ? 'https' : 'http'}://localhost:${port}`;
  const base = defaultSettings(issuer);

  const scopes = list(env, 'SCOPES_SUPPORTED') ?? base.scopesSupported;
  if (!scopes.includes('openid')) throw new ConfigError('SCOPES_SUPPORTED', "must include 'openid'"); // CIBA §7.1

  const operatorListener = parseOperatorListener(env, port);
  const metricsToken = read(env, 'METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError('METRICS_TOKEN', `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }

  const adminToken = read(env, 'ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError('ADMIN_TOKEN', `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }

  const settings: ProviderSettings = {
    ...base,
    // CIBA §7.3: interval is the minimum wait between polls; 0 would invite a busy loop.
    pollInterval: integer(env, 'CIBA_POLL_INTERVAL', base.pollInterval, 1, 3600),
    longPollSeconds: integer(env, 'CIBA_LONG_POLL_SECONDS', base.longPollSeconds, 0, 120),
    defaultExpiry: integer(env, 'CIBA_DEFAULT_EXPIRY', base.defaultExpiry, 1, 86400),
    maxExpiry: integer(env, 'CIBA_MAX_EXPIRY', base.maxExpiry, 1, 86400),
    accessTokenTtl: integer(env, 'ACCESS_TOKEN_TTL', base.accessTokenTtl, 1, 86400),
    accessTokenSigningAlg: accessTokenSigningAlg(
      env,
      base.accessTokenSigningAlg ?? 'ES256',
      boolean(env, 'FAPI_CIBA', base.fapiCiba),
    ),
    idTokenTtl: integer(env, 'ID_TOKEN_TTL', base.idTokenTtl, 1, 86400),
    refreshTokenTtl: integer(env, 'REFRESH_TOKEN_TTL', base.refreshTokenTtl, 1, 366 * 86400),
    idTokenHintMaxAge: integer(env, 'ID_TOKEN_HINT_MAX_AGE', base.idTokenHintMaxAge, 0, 366 * 86400),
    // CIBA §7.1.1 / FAPI-CIBA 5.2.2-9: a request object lives at most 60 minutes.
    requestObjectMaxLifetime: integer(env, 'REQUEST_OBJECT_MAX_LIFETIME', base.requestObjectMaxLifetime, 1, 3600),
    fapiCiba: boolean(env, 'FAPI_CIBA', base.fapiCiba),
    allowLoopbackHttpNotifications: boolean(env, 'ALLOW_LOOPBACK_HTTP_NOTIFICATIONS', isLoopbackHttp(issuer)),
    outboundAllowCidrs: outboundAllowCidrs(env),
    loginHintTokenIssuers: parseLoginHintTokenIssuers(env),
    initialAccessTokens: list(env, 'INITIAL_ACCESS_TOKENS') ?? base.initialAccessTokens,
    ...(adminToken !== undefined ? { adminToken } : {}),
    bindingMessageMaxLength: integer(env, 'BINDING_MESSAGE_MAX_LENGTH', base.bindingMessageMaxLength, 1, 1024),
    scopesSupported: scopes,
    acrValuesSupported: list(env, 'ACR_VALUES_SUPPORTED') ?? base.acrValuesSupported,
    notificationMaxAttempts: integer(env, 'NOTIFICATION_MAX_ATTEMPTS', base.notificationMaxAttempts, 1, 100),
    notificationBackoffMs: integer(env, 'NOTIFICATION_BACKOFF_MS', base.notificationBackoffMs, 1, 3_600_000),
    notificationTimeoutMs: integer(env, 'NOTIFICATION_TIMEOUT_MS', base.notificationTimeoutMs, 100, 120_000),
    limits: parseLimits(env, base.limits),
    ownerApp: ownerAppSettings(env, base.ownerApp),
  };
  checkIssuerTargets(settings);
  if (settings.defaultExpiry > settings.maxExpiry) {
    throw new ConfigError('CIBA_DEFAULT_EXPIRY', `must not exceed CIBA_MAX_EXPIRY (${settings.maxExpiry})`);
  }
  return {
    port,
    host,
    databaseUrl: database,
    logLevel: logLevel(env),
    ...(operatorListener !== undefined ? { operatorListener } : {}),
    ...(metricsToken !== undefined ? { metricsToken } : {}),
    ...(tls !== undefined ? { tls } : {}),
    settings,
    keyEncryption: keyEncryptionConfig(env),
    issuerDerived: issuerRaw === undefined,
  };
}

/**
 * The environment variables {@link loadConfig} reads, with their meaning, for
 * `--help` texts and docs.
 */
export const CONFIG_VARIABLES: Readonly<Record<string, string>> = {
  PORT: 'TCP port (default 4000; 0 = any free port)',
  TLS_CERT_FILE:
    'PEM certificate chain: serve HTTPS on PORT (with TLS_KEY_FILE; `npm run dev-cert` makes one for development)',
  TLS_KEY_FILE: 'PEM private key of TLS_CERT_FILE',
  HOST: 'interface to bind (default 127.0.0.1)',
  DATABASE_URL: 'sqlite:<file> (default sqlite:./data/onboard.sqlite), sqlite::memory: or postgres://…',
  LOG_LEVEL: 'debug | info | warn | error | silent (default info)',
  ISSUER: 'issuer URL, no trailing slash (default http://localhost:<PORT>, https with TLS_CERT_FILE)',
  CIBA_POLL_INTERVAL: 'advertised poll interval in seconds (default 2)',
  CIBA_LONG_POLL_SECONDS: 'how long a token request for a pending request may wait (default 25; 0 disables)',
  CIBA_DEFAULT_EXPIRY: 'auth request lifetime without requested_expiry, seconds (default 300)',
  CIBA_MAX_EXPIRY: 'upper bound for requested_expiry, seconds (default 1800)',
  ACCESS_TOKEN_TTL: 'seconds (default 600)',
  ACCESS_TOKEN_SIGNING_ALG: 'JWS alg of access tokens: ES256 (default), PS256 or RS256 (not under FAPI_CIBA)',
  KEY_ENCRYPTION_KEY:
    'key-encryption key(s) that wrap the private signing keys at rest: base64 of 32 random bytes, comma-separated, the first wraps (default: KEY_ENCRYPTION_KEY_FILE)',
  KEY_ENCRYPTION_KEY_FILE:
    'file holding the key-encryption key(s), one per line, created 0600 on first start (default onboard.kek beside the SQLite database; ./data/onboard.kek with PostgreSQL)',
  ID_TOKEN_TTL: 'seconds (default 600)',
  REFRESH_TOKEN_TTL: 'seconds (default 30 days)',
  ID_TOKEN_HINT_MAX_AGE: 'how long past its exp an id_token_hint is accepted, seconds (default 1 day)',
  REQUEST_OBJECT_MAX_LIFETIME: 'max exp - nbf of a signed request, seconds (default and max 3600)',
  FAPI_CIBA: 'true to enforce the FAPI-CIBA profile for every client (default false)',
  ALLOW_LOOPBACK_HTTP_NOTIFICATIONS:
    'allow outbound requests to loopback (localhost, 127.0.0.0/8, ::1), http:// included: ping/push endpoints and jwks_uri (default true for an http://localhost issuer)',
  OUTBOUND_ALLOW_CIDRS:
    'comma-separated CIDR ranges outbound requests may reach although private (e.g. the bridge push endpoint 10.20.0.0/16); metadata addresses stay refused',
  LOGIN_HINT_TOKEN_ISSUERS: 'JSON array of trusted login_hint_token issuers [{"issuer","jwks_uri"|"jwks"}]',
  INITIAL_ACCESS_TOKENS: 'comma-separated tokens that guard Dynamic Client Registration',
  ADMIN_TOKEN: `bearer token for the admin HTTP API (at least ${MIN_ADMIN_TOKEN_LENGTH} characters; unset disables it)`,
  ADMIN_PORT:
    'serve the admin API and /metrics on this port only, not on PORT (default: unset, the main listener serves them)',
  ADMIN_HOST: 'interface of the ADMIN_PORT listener (default 127.0.0.1)',
  METRICS_TOKEN: `bearer token /metrics requires (at least ${MIN_ADMIN_TOKEN_LENGTH} characters; default: unset, open)`,
  BINDING_MESSAGE_MAX_LENGTH: 'characters (default 120)',
  SCOPES_SUPPORTED: 'comma-separated scopes (must include openid)',
  ACR_VALUES_SUPPORTED: 'comma-separated acr values, strongest first',
  NOTIFICATION_MAX_ATTEMPTS: 'ping/push delivery attempts (default 8)',
  NOTIFICATION_BACKOFF_MS: 'base retry backoff in ms (default 500)',
  NOTIFICATION_TIMEOUT_MS: 'per-attempt timeout in ms (default 5000)',
  USER_CODE_MAX_FAILURES: "wrong user codes for one owner before the owner's user code is locked (default 5)",
  USER_CODE_LOCK_SECONDS:
    'how long a locked user code stays locked; also the window failures are counted in (default 900)',
  USER_CODE_CLIENT_MAX_FAILURES:
    'wrong user codes one client may send per USER_CODE_LOCK_SECONDS before its user codes are refused (default 50)',
  OWNER_PENDING_LIMIT: 'pending requests one owner may have at once; more: 403 access_denied (default 20)',
  CLIENT_OWNER_REQUEST_LIMIT:
    'new requests one client may place on one owner per CLIENT_OWNER_REQUEST_WINDOW; more: 429 slow_down (default 10)',
  CLIENT_OWNER_REQUEST_WINDOW: 'seconds (default 60)',
  AUTH_FAILURES_PER_SOURCE:
    'failed client, owner-device or admin authentications one address may make per AUTH_FAILURE_WINDOW (default 20)',
  AUTH_FAILURE_WINDOW: 'seconds (default 300)',
  AUTH_BLOCK_SECONDS: 'how long an address over AUTH_FAILURES_PER_SOURCE gets 429 slow_down (default 900)',
};
