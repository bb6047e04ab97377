import { ConfigError, loadConfig } from './config';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBe('sqlite:./data/onboard.sqlite');
    expect(config.logLevel).toBe('info');
    expect(config.settings.issuer).toBe('http://localhost:4000');
    expect(config.issuerDerived).toBe(true);
    expect(config.settings.pollInterval).toBe(2);
    expect(config.settings.fapiCiba).toBe(false);
    expect(config.settings.adminToken).toBeUndefined();
    expect(config.settings.initialAccessTokens).toEqual([]);
  });

  it('derives the default issuer from PORT', () => {
    expect(loadConfig({ PORT: '8123' }).settings.issuer).toBe('http://localhost:8123');
  });

  it('strips a trailing slash from ISSUER and marks it as explicit', () => {
    const config = loadConfig({ ISSUER: 'https://id.example.com/onboard/' });
    expect(config.settings.issuer).toBe('https://id.example.com/onboard');
    expect(config.issuerDerived).toBe(false);
  });

  it('reads every numeric CIBA and token setting', () => {
    const { settings } = loadConfig({
      CIBA_POLL_INTERVAL: '3',
      CIBA_LONG_POLL_SECONDS: '0',
      CIBA_DEFAULT_EXPIRY: '60',
      CIBA_MAX_EXPIRY: '120',
      ACCESS_TOKEN_TTL: '30',
      ID_TOKEN_TTL: '40',
      REFRESH_TOKEN_TTL: '50',
      BINDING_MESSAGE_MAX_LENGTH: '20',
      NOTIFICATION_MAX_ATTEMPTS: '2',
    });
    expect(settings).toMatchObject({
      pollInterval: 3,
      longPollSeconds: 0,
      defaultExpiry: 60,
      maxExpiry: 120,
      accessTokenTtl: 30,
      idTokenTtl: 40,
      refreshTokenTtl: 50,
      bindingMessageMaxLength: 20,
      notificationMaxAttempts: 2,
    });
  });

  it('parses FAPI_CIBA as a boolean', () => {
    expect(loadConfig({ FAPI_CIBA: 'true' }).settings.fapiCiba).toBe(true);
    expect(loadConfig({ FAPI_CIBA: 'false' }).settings.fapiCiba).toBe(false);
    expect(configError({ FAPI_CIBA: 'maybe' }).variable).toBe('FAPI_CIBA');
  });

  it('allows http loopback notification endpoints by default only for a loopback http issuer', () => {
    expect(loadConfig({}).settings.allowLoopbackHttpNotifications).toBe(true);
    expect(loadConfig({ ISSUER: 'http://127.0.0.1:4000' }).settings.allowLoopbackHttpNotifications).toBe(true);
    expect(loadConfig({ ISSUER: 'https://id.example.com' }).settings.allowLoopbackHttpNotifications).toBe(false);
    expect(loadConfig({ ISSUER: 'https://localhost' }).settings.allowLoopbackHttpNotifications).toBe(false);
    expect(
      loadConfig({ ISSUER: 'https://id.example.com', ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'true' }).settings
        .allowLoopbackHttpNotifications,
    ).toBe(true);
  });

  it('splits INITIAL_ACCESS_TOKENS on commas', () => {
    expect(loadConfig({ INITIAL_ACCESS_TOKENS: 'one, two,three' }).settings.initialAccessTokens).toEqual([
      'one',
      'two',
      'three',
    ]);
  });

  it('parses LOGIN_HINT_TOKEN_ISSUERS as JSON', () => {
    const { settings } = loadConfig({
      LOGIN_HINT_TOKEN_ISSUERS: JSON.stringify([
        { issuer: 'https://hints.example.com', jwks_uri: 'https://hints.example.com/jwks' },
        { issuer: 'local', jwks: { keys: [{ kty: 'EC' }] } },
        { issuer: 'camel', jwksUri: 'https://camel.example.com/jwks' },
      ]),
    });
    expect(settings.loginHintTokenIssuers).toEqual([
      { issuer: 'https://hints.example.com', jwksUri: 'https://hints.example.com/jwks' },
      { issuer: 'local', jwks: { keys: [{ kty: 'EC' }] } },
      { issuer: 'camel', jwksUri: 'https://camel.example.com/jwks' },
    ]);
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['{}', 'JSON array'],
    ['[{"jwks_uri":"https://x"}]', 'no issuer'],
    ['[{"issuer":"x"}]', 'jwks_uri or jwks'],
    ['[{"issuer":"x","jwks_uri":"ftp://x"}]', 'http(s) URL'],
  ])('rejects LOGIN_HINT_TOKEN_ISSUERS=%s', (value, problem) => {
    const error = configError({ LOGIN_HINT_TOKEN_ISSUERS: value });
    expect(error.variable).toBe('LOGIN_HINT_TOKEN_ISSUERS');
    expect(error.message).toContain(problem);
  });

  it('has no operator listener unless ADMIN_PORT is set; ADMIN_HOST defaults to loopback', () => {
    expect(loadConfig({}).operatorListener).toBeUndefined();
    expect(loadConfig({ ADMIN_PORT: '4100' }).operatorListener).toEqual({ port: 4100, host: '127.0.0.1' });
    expect(loadConfig({ ADMIN_PORT: '4100', ADMIN_HOST: '10.1.2.3' }).operatorListener).toEqual({
      port: 4100,
      host: '10.1.2.3',
    });
    expect(configError({ ADMIN_PORT: '4000' }).message).toContain('must differ from PORT');
    expect(configError({ ADMIN_PORT: 'x' }).variable).toBe('ADMIN_PORT');
    expect(configError({ ADMIN_HOST: '0.0.0.0' }).message).toContain('needs ADMIN_PORT');
  });

  it('takes METRICS_TOKEN of at least 16 characters', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'm'.repeat(16) }).metricsToken).toBe('m'.repeat(16));
    expect(configError({ METRICS_TOKEN: 'short' }).variable).toBe('METRICS_TOKEN');
  });

  it('parses OUTBOUND_ALLOW_CIDRS into normalised ranges, a bare address as a single-address range', () => {
    expect(loadConfig({}).settings.outboundAllowCidrs).toEqual([]);
    expect(
      loadConfig({ OUTBOUND_ALLOW_CIDRS: '10.20.0.0/16, fd12:3456:0::/48 192.168.1.10' }).settings.outboundAllowCidrs,
    ).toEqual(['10.20.0.0/16', 'fd12:3456::/48', '192.168.1.10/32']);
  });

  it.each(['10.0.0.0/33', 'bridge.internal', '10.0.0/8'])(
    'rejects OUTBOUND_ALLOW_CIDRS=%s naming the entry',
    (value) => {
      const error = configError({ OUTBOUND_ALLOW_CIDRS: value });
      expect(error.variable).toBe('OUTBOUND_ALLOW_CIDRS');
      expect(error.message).toContain(value);
    },
  );

  it('refuses a trusted issuer whose jwks_uri host the outbound policy refuses, unless its range is allowed', () => {
    const issuers = (jwksUri: string) => JSON.stringify([{ issuer: 'https://hints.example.com', jwks_uri: jwksUri }]);
    const https = { ISSUER: 'https://id.example.com' };
    const error = configError({ ...https, LOGIN_HINT_TOKEN_ISSUERS: issuers('https://10.1.2.3/jwks') });
    expect(error.variable).toBe('LOGIN_HINT_TOKEN_ISSUERS');
    expect(error.message).toContain('entry 0: jwks_uri host 10.1.2.3 is a private address');
    expect(
      configError({ ...https, LOGIN_HINT_TOKEN_ISSUERS: issuers('https://metadata.google.internal/x') }).message,
    ).toContain('cloud metadata');
    expect(
      loadConfig({
        ...https,
        OUTBOUND_ALLOW_CIDRS: '10.1.0.0/16',
        LOGIN_HINT_TOKEN_ISSUERS: issuers('https://10.1.2.3/j'),
      }).settings.loginHintTokenIssuers,
    ).toHaveLength(1);
    // loopback with a development issuer
    expect(
      loadConfig({ LOGIN_HINT_TOKEN_ISSUERS: issuers('http://127.0.0.1:9/j') }).settings.loginHintTokenIssuers,
    ).toHaveLength(1);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['CIBA_POLL_INTERVAL', '0'],
    ['CIBA_POLL_INTERVAL', '1.5'],
    ['CIBA_MAX_EXPIRY', 'ten'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['NOTIFICATION_MAX_ATTEMPTS', '0'],
    ['BINDING_MESSAGE_MAX_LENGTH', '-3'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['ISSUER', 'not a url'],
    ['ISSUER', 'ftp://id.example.com'],
    ['ISSUER', 'https://id.example.com/?q=1'],
    ['ADMIN_TOKEN', 'short'],
    ['SCOPES_SUPPORTED', 'profile,email'],
    ['OWNER_WEBHOOK_URL', 'http://bank.example.com/hook'],
    ['OWNER_WEBHOOK_URL', 'https://user:pass@bank.example.com/hook'],
    ['OWNER_PUSH_VAPID_SUBJECT', 'ops team'],
  ])('throws a ConfigError naming %s for the bad value %s', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('reads the owner notification settings: VAPID subject, global webhook and its audience', () => {
    const { settings } = loadConfig({
      OWNER_PUSH_VAPID_SUBJECT: 'mailto:ops@bank.example.com',
      OWNER_WEBHOOK_URL: 'https://app-backend.bank.example.com/onboard',
      OWNER_WEBHOOK_AUDIENCE: 'bank-app',
    });
    expect(settings.ownerApp).toMatchObject({
      vapidSubject: 'mailto:ops@bank.example.com',
      webhookUrl: 'https://app-backend.bank.example.com/onboard',
      webhookAudience: 'bank-app',
    });
    expect(loadConfig({}).settings.ownerApp.webhookUrl).toBeUndefined();
  });

  it('rejects a default expiry longer than the maximum', () => {
    const error = configError({ CIBA_DEFAULT_EXPIRY: '600', CIBA_MAX_EXPIRY: '300' });
    expect(error.variable).toBe('CIBA_DEFAULT_EXPIRY');
  });

  it('accepts sqlite memory and postgres database URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).databaseUrl).toBe('sqlite::memory:');
    expect(loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:5432/test' }).databaseUrl).toBe(
      'postgres://127.0.0.1:5432/test',
    );
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: ' ' }).port).toBe(4000);
  });

  it('keeps an admin token of sufficient length', () => {
    expect(loadConfig({ ADMIN_TOKEN: 'a-long-enough-admin-token' }).settings.adminToken).toBe(
      'a-long-enough-admin-token',
    );
  });

  it('reads the guessing and flooding limits, with the documented defaults', () => {
    expect(loadConfig({}).settings.limits).toEqual({
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
    });
    const limits = loadConfig({
      USER_CODE_MAX_FAILURES: '3',
      USER_CODE_LOCK_SECONDS: '60',
      USER_CODE_CLIENT_MAX_FAILURES: '7',
      OWNER_PENDING_LIMIT: '5',
      CLIENT_OWNER_REQUEST_LIMIT: '1000000',
      CLIENT_OWNER_REQUEST_WINDOW: '10',
      AUTH_FAILURES_PER_SOURCE: '8',
      AUTH_FAILURE_WINDOW: '30',
      AUTH_BLOCK_SECONDS: '45',
      PASSKEY_SOURCE_LIMIT: '12',
      PASSKEY_OWNER_LIMIT: '6',
      PASSKEY_LIMIT_WINDOW: '90',
    }).settings.limits;
    expect(limits).toEqual({
      userCodeMaxFailures: 3,
      userCodeLockSeconds: 60,
      userCodeClientMaxFailures: 7,
      ownerPendingMax: 5,
      clientOwnerRequests: 1_000_000,
      clientOwnerWindowSeconds: 10,
      authFailuresPerSource: 8,
      authFailureWindowSeconds: 30,
      authBlockSeconds: 45,
      passkeyAttemptsPerSource: 12,
      passkeyAttemptsPerOwner: 6,
      passkeyWindowSeconds: 90,
    });
  });

  it('refuses a limit of zero or a malformed one, naming the variable', () => {
    expect(() => loadConfig({ OWNER_PENDING_LIMIT: '0' })).toThrow(/^OWNER_PENDING_LIMIT: must be between 1 and/);
    expect(() => loadConfig({ USER_CODE_MAX_FAILURES: 'five' })).toThrow(
      /^USER_CODE_MAX_FAILURES: expected an integer/,
    );
  });
});

describe('key encryption and signing configuration', () => {
  const kek = Buffer.alloc(32, 7);

  it('takes the key-encryption keys from KEY_ENCRYPTION_KEY, base64 or base64url, first one first', () => {
    const other = Buffer.alloc(32, 9);
    const config = loadConfig({ KEY_ENCRYPTION_KEY: `${kek.toString('base64')}, ${other.toString('base64url')}` });
    expect(config.keyEncryption.keys?.map((k) => Buffer.from(k))).toEqual([kek, other]);
    expect(config.keyEncryption.file).toBeUndefined();
  });

  it('takes a KEY_ENCRYPTION_KEY_FILE path, and neither by default', () => {
    expect(loadConfig({ KEY_ENCRYPTION_KEY_FILE: '/run/secrets/kek' }).keyEncryption).toEqual({
      file: '/run/secrets/kek',
    });
    expect(loadConfig({}).keyEncryption).toEqual({});
  });

  it.each([
    ['a short key', kek.subarray(0, 16).toString('base64')],
    ['a long key', Buffer.alloc(48, 1).toString('base64')],
    ['not base64', 'this is not a key at all!!'],
  ])('stops start-up on %s, naming KEY_ENCRYPTION_KEY but not echoing the value', (_name, value) => {
    const error = configError({ KEY_ENCRYPTION_KEY: value });
    expect(error.variable).toBe('KEY_ENCRYPTION_KEY');
    expect(error.message).toMatch(/^KEY_ENCRYPTION_KEY: key 1 is not a base64-encoded 256-bit key/);
    expect(error.message).not.toContain(value);
  });

  it('refuses both KEY_ENCRYPTION_KEY and KEY_ENCRYPTION_KEY_FILE', () => {
    const error = configError({ KEY_ENCRYPTION_KEY: kek.toString('base64'), KEY_ENCRYPTION_KEY_FILE: '/k' });
    expect(error.message).toBe('KEY_ENCRYPTION_KEY: set KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_FILE, not both');
  });

  it('signs access tokens with ES256 by default and takes ACCESS_TOKEN_SIGNING_ALG', () => {
    expect(loadConfig({}).settings.accessTokenSigningAlg).toBe('ES256');
    expect(loadConfig({ ACCESS_TOKEN_SIGNING_ALG: 'RS256' }).settings.accessTokenSigningAlg).toBe('RS256');
    expect(configError({ ACCESS_TOKEN_SIGNING_ALG: 'none' }).message).toBe(
      "ACCESS_TOKEN_SIGNING_ALG: expected one of RS256, ES256, PS256, got 'none'",
    );
    expect(configError({ ACCESS_TOKEN_SIGNING_ALG: 'RS256', FAPI_CIBA: 'true' }).variable).toBe(
      'ACCESS_TOKEN_SIGNING_ALG',
    );
  });
});
