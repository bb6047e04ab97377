// Public API of @onboard/bridge-core: the MQTT bridge's relay logic and its ports, framework-free.

// --- ports ---
export * from './ports/device-registry.port';
export * from './ports/relay-ledger.port';
export * from './ports/bridge-store.port';
export * from './ports/provider-client.port';
export * from './ports/device-publisher.port';
export * from './ports/device-hooks.port';

// --- the dispatcher: preconditions first, then the handler of the type ---
export * from './dispatch/device-message.dispatcher';

// --- one handler per device message type ---
export type { DeviceMessageHandler } from './handlers/device-message-handler';
export { VerificationHandler, type VerificationHandlerDependencies } from './handlers/verification.handler';
export { CancelHandler } from './handlers/cancel.handler';
export { RefreshHandler, type RefreshHandlerDependencies } from './handlers/refresh.handler';
export { ResultAckHandler } from './handlers/result-ack.handler';

// --- the relay's units: ledger, push receipt, delivery, expiry ---
export * from './relay/bridge-relay';
export { RequestLedger, DEFAULT_RELAY_RETENTION_MS } from './relay/request-ledger';
export { PendingPushes, type PendingPush } from './relay/pending-pushes';
export { PushReceipt, type NotificationAnswer, type PushReceiptDependencies } from './notify/push-receipt';
export { ResultDelivery, type ResultDeliveryDependencies } from './delivery/result-delivery';
export {
  PushExpiry,
  DEFAULT_PUSH_GRACE_MS,
  DEFAULT_EXPIRY_CHECK_INTERVAL_MS,
  type PushExpiryDependencies,
} from './expiry/push-expiry';
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
