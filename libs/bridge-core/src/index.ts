// Public API of @onboard/bridge-core: the MQTT bridge's relay logic and its ports, framework-free.

// --- ports ---
export * from './ports/device-registry.port';
export * from './ports/relay-ledger.port';
export * from './ports/bridge-store.port';
export * from './ports/provider-client.port';
export * from './ports/device-publisher.port';

// --- relay ---
export * from './relay/bridge-relay';
export { readRequestObject, type RequestObjectClaims } from './relay/read-request-object';
export { errorOutcome, resultMessage } from './relay/provider-outcome';
export * from './provider/http-provider-client';
export * from './provider/discover-provider';
export { hashNotificationToken, bearerToken, MAX_NOTIFICATION_TOKEN_LENGTH } from './notify/notification-token';
export { readNotification, type ClientNotification } from './notify/read-notification';

// --- the bridge's keys for sealed device payloads ---
export { BridgePayloadKeys } from './keys/bridge-payload-keys';

// --- in-memory store and the store contract ---
export * from './memory/memory-bridge-store';
