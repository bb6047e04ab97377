// Public API of @onboard/ciba-core. Each area adds its exports in its own section.

// --- errors, domain, ports, wire (shared contracts) ---
export * from './errors/oauth-error';
export * from './domain/client';
export * from './domain/owner';
export * from './domain/auth-request';
export * from './domain/tokens';
export * from './ports/clock.port';
export * from './ports/random.port';
export * from './ports/stores.port';
export * from './ports/http-client.port';
export * from './ports/owner-notifier.port';
export * from './ports/logger.port';
export * from './ports/key-ring.port';
export * from './ports/limit-store.port';
export * from './ports/key-wrapper.port';
export * from './wire/wire';
export * from './settings';
export * from './context';
export * from './paths';
export * from './http/render-http';
export * from './http/parse-body';
export * from './http/security-headers';

// --- backchannel, client authentication, registration, discovery, HTTP rendering ---
export { authenticateClient } from './client-auth/authenticate-client';
export { hashClientSecret, clientSecretMatches } from './client-auth/client-secret';
export { ASYMMETRIC_JWS_ALGS, FAPI_JWS_ALGS, isAsymmetricAlg, isFapiClient } from './client-auth/algorithms';
export { JWT_BEARER_ASSERTION_TYPE, BASIC_CHALLENGE } from './client-auth/read-client-credentials';
export { handleBackchannelAuthentication } from './backchannel/backchannel.handler';
export {
  defaultBackchannelPolicy,
  type BackchannelPolicy,
  type RequestToAuthorize,
} from './backchannel/backchannel-policy';
export { hashUserCode, verifyUserCode } from './backchannel/user-code';
export { AUTHENTICATION_PARAMETERS } from './backchannel/authentication-params';
export { registerClient, type RegisterClientOptions, type RegisteredClient } from './registration/register-client';
export { handleRegistration } from './registration/registration.handler';
export { handleDiscovery } from './discovery/discovery.handler';
export { providerMetadata } from './discovery/provider-metadata';

// --- tokens, keys, grants, DPoP, completion, delivery, owner devices ---
export * from './signals/signals';
export * from './signals/wait-cancellation';
export * from './infra/fetch-http-client';
export * from './infra/node-http-client';
export * from './infra/lean-http-client';
export * from './infra/outbound-guard';
export * from './infra/outbound-policy';
export * from './infra/node-random';
export * from './delivery/notification-message';
export * from './delivery/notification-delivery';
export * from './completion/complete-auth-request';
export * from './completion/expire-auth-request';
export * from './maintenance/sweep-expired';
export * from './owner-device/authenticate-owner-device';
export * from './owner-device/owner-device.handlers';
export * from './admin/admin';
export * from './admin/admin.handler';
export * from './keys/key-ring';
export * from './keys/request-object-keys';
export * from './keys/local-key-wrapper';
export * from './keys/wrapped-keys';
export * from './keys/signing-algs';
export * from './dpop/verify-dpop-proof';
export * from './tokens/token-hashes';
export * from './tokens/issue-tokens';
export * from './tokens/encrypt-token-response';
export * from './grants/token-grant';
export * from './grants/grant-registry';
export * from './grants/token.handler';
export * from './resource/access-token';
export * from './resource/userinfo.handler';
export * from './resource/introspection.handler';
export * from './resource/revocation.handler';
export * from './resource/jwks.handler';

// --- in-memory stores ---
export * from './memory/memory-stores';

// --- guessing and flooding limits ---
export * from './limits/flexible-limit-store';
export * from './limits/limits';
export * from './limits/source-failures';
