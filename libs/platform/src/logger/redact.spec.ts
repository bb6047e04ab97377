import { REDACTED, isSecretKey, redact, redactText } from './redact';

describe('redact', () => {
  it.each([
    'access_token',
    'refreshToken',
    'id_token',
    'client_secret',
    'clientSecretHash',
    'password',
    'client_assertion',
    'authorization',
    'Authorization',
    'code',
    'user_code',
    'userCode',
    'credential',
    'deviceCredential',
    'jwt',
    'requestJwt',
    'dpop',
    'DPoP-Proof',
    'cookie',
    'privateJwk',
    'email',
    'phone_number',
    'login_hint',
    'loginHint',
    'binding_message',
    'vin',
    'deviceVin',
  ])('treats the key %s as secret or personal', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'sub',
    'clientId',
    'status',
    'statusCode',
    'error',
    'errorCode',
    'returnCode',
    'method',
    'path',
    'ms',
    'scope',
    'decoder',
    'vinyl',
    'address',
  ])('keeps the key %s', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });

  it('masks secret fields at any depth and keeps the others', () => {
    const out = redact({
      sub: 'owner-1',
      access_token: 'at-value',
      nested: { client_secret: 's3cret', clientId: 'c1', list: [{ refresh_token: 'rt' }, 'plain'] },
    });
    expect(out).toEqual({
      sub: 'owner-1',
      access_token: REDACTED,
      nested: { client_secret: REDACTED, clientId: 'c1', list: [{ refresh_token: REDACTED }, 'plain'] },
    });
    expect(JSON.stringify(out)).not.toMatch(/at-value|s3cret|"rt"/);
  });

  it('masks JWTs and bearer credentials inside free text', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(redactText(`token was ${jwt} ok`)).toBe(`token was ${REDACTED} ok`);
    expect(redactText('header Bearer abc.def-ghi')).toBe(`header Bearer ${REDACTED}`);
    expect(redactText('DPoP zzz')).toBe(`DPoP ${REDACTED}`);
    expect(redact({ note: `got ${jwt}` })).toEqual({ note: `got ${REDACTED}` });
  });

  it('masks e-mail addresses inside free text', () => {
    expect(redactText('no owner for alice.smith+car@example.co.uk here')).toBe(`no owner for ${REDACTED} here`);
    expect(redactText('refused to connect to rp.example.com')).toBe('refused to connect to rp.example.com');
  });

  it('turns errors into name, message and stack', () => {
    const out = redact({ err: new TypeError('boom') }) as { err: Record<string, unknown> };
    expect(out.err.name).toBe('TypeError');
    expect(out.err.message).toBe('boom');
    expect(typeof out.err.stack).toBe('string');
  });

  it('cuts deeply nested values and summarises buffers', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10; i++) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).toContain('[truncated]');
    expect(redact({ body: Buffer.from('abc') })).toEqual({ body: '[3 bytes]' });
  });
});
