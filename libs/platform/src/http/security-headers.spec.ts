import { securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it('forbids sniffing, framing, referrers and caching on every response', () => {
    expect(securityHeaders({ https: false })).toEqual({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
  });

  it('adds Strict-Transport-Security for a service reached over https', () => {
    expect(securityHeaders({ https: true })['strict-transport-security']).toBe('max-age=31536000');
  });
});
