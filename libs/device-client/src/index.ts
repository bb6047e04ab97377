// Public API of @onboard/device-client: the head-unit side of the Onboard MQTT device protocol
// (docs/protocol.md, docs/device-client.md). Built on mqtt.js and jose; framework-free.
export * from './errors';
export * from './logger';
export * from './keys/device-key-store';
export * from './keys/memory-key-store';
export * from './keys/file-key-store';
export { reconnectDelay, DEFAULT_RECONNECT, type ReconnectOptions } from './connection/backoff';
export type { DeviceTlsOptions } from './connection/device-connection';
export { MAX_REQUEST_OBJECT_LIFETIME_SECONDS, type AuthenticationRequestParams } from './jwt/device-jwts';
export {
  AUTH_REQ_ID_CLAIM,
  RT_HASH_CLAIM,
  DEFAULT_ID_TOKEN_ALGORITHMS,
  tokenHash,
  type VerifiedTokens,
  type RefreshedTokens,
} from './tokens/verify-token-response';
export * from './client/verification-handle';
export * from './client/device-client';
