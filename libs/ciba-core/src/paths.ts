/** Endpoint paths, relative to the issuer. The single place they are named. */
export const PATHS = {
  discovery: '/.well-known/openid-configuration',
  jwks: '/jwks',
  backchannel: '/backchannel',
  token: '/token',
  userinfo: '/userinfo',
  introspection: '/introspect',
  revocation: '/revoke',
  registration: '/register',
  ownerDevice: '/owner-device/v1',
  admin: '/admin/v1',
  health: '/health',
  metrics: '/metrics',
  openapi: '/openapi.json',
} as const;
