// Public API of @onboard/ciba-core: CIBA alone. Shared infrastructure (logger, clock, random,
// outbound HTTP, limits, metrics) is in @onboard/platform. Each area adds its exports in its own section.

// --- errors, domain, ports, wire (shared contracts) ---
export * from './errors/oauth-error';
export * from './domain/client';
export * from './domain/owner';
export * from './domain/passkey';
export * from './domain/owner-push';
export * from './audit/audit-chain';
export * from './domain/auth-request';
export * from './domain/tokens';
export * from './ports/stores.port';
export * from './ports/owner-notifier.port';
export * from './ports/passkey-approval.port';
export * from './ports/key-ring.port';
export * from './ports/key-wrapper.port';
export * from './wire/wire';
export * from './settings';
export * from './context';
export * from './paths';
export * from './http/render-http';
export * from './http/parse-body';

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
export { outboundTargetProblem, urlProblem } from './registration/metadata-values';
export { handleDiscovery } from './discovery/discovery.handler';
export { providerMetadata } from './discovery/provider-metadata';

// --- tokens, keys, grants, DPoP, completion, delivery, owner devices ---
export * from './signals/signals';
export * from './signals/wait-cancellation';
export * from './outbound-policy';
export * from './delivery/notification-message';
export * from './delivery/notification-delivery';
export * from './completion/complete-auth-request';
export * from './completion/expire-auth-request';
export * from './maintenance/sweep-expired';
export * from './owner-device/authenticate-owner-device';
export * from './owner-device/owner-device.handlers';
export * from './owner-device/owner-device-body';
export * from './owner-device/invitations';
export * from './admin/admin';
export * from './admin/admin.handler';
export * from './admin/admin-body';
export * from './admin/import-clients';
export * from './keys/key-ring';
export * from './keys/request-object-keys';
export * from './keys/local-key-wrapper';
export * from './keys/wrapped-keys';
export * from './keys/signing-algs';
export * from './dpop/verify-dpop-proof';
export * from './tokens/token-hashes';
export * from './tokens/issue-tokens';
export * from './tokens/encrypt-token-response';
export * from './tokens/attach-approval-receipt';
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
export * from './limits/limits';
export * from './limits/limit-names';
