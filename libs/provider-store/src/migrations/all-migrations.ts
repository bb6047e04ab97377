import { InitialSchema1767225600000 } from './1767225600000-initial-schema.migration';
import { AuthRequestApprovedAt1767830400000 } from './1767830400000-auth-request-approved-at.migration';
import { AuditEventSequence1767830400001 } from './1767830400001-audit-event-sequence.migration';
import { DeviceClients1768435200000 } from './1768435200000-device-clients.migration';
import { AuthRequestPendingIndexes1769040000000 } from './1769040000000-auth-request-pending-indexes.migration';
import { AppendOnlyAuditPendingOutbox1769644800000 } from './1769644800000-append-only-audit-pending-outbox.migration';
import { ClientSignedResponseAlgs1770249600000 } from './1770249600000-client-signed-response-algs.migration';
import { WrappedSigningKeys1770249600001 } from './1770249600001-wrapped-signing-keys.migration';
import { OwnerTokenWatermarks1770336000000 } from './1770336000000-owner-token-watermarks.migration';
import { RateLimits1770422400000 } from './1770422400000-rate-limits.migration';
import { AuthRequestRequestObjectIndex1770595200000 } from './1770595200000-auth-request-request-object-index.migration';
import { EncryptionKeys1770595200001 } from './1770595200001-encryption-keys.migration';
import { WrappedEncryptionKeys1770681600000 } from './1770681600000-wrapped-encryption-keys.migration';
import { OwnerPasskeys1770768000000 } from './1770768000000-owner-passkeys.migration';
import { AuthRequestOwnerHistoryIndex1770854400016 } from './1770854400016-auth-request-owner-history-index.migration';
import { OwnerNotifications1770940800000 } from './1770940800000-owner-notifications.migration';
import { AuditEventSequenceIndex1770940800001 } from './1770940800001-audit-event-sequence-index.migration';

/** Every migration, oldest first. Append new ones here (see the lib README). */
export const ALL_MIGRATIONS = [
  InitialSchema1767225600000,
  AuthRequestApprovedAt1767830400000,
  AuditEventSequence1767830400001,
  DeviceClients1768435200000,
  AuthRequestPendingIndexes1769040000000,
  AppendOnlyAuditPendingOutbox1769644800000,
  ClientSignedResponseAlgs1770249600000,
  WrappedSigningKeys1770249600001,
  OwnerTokenWatermarks1770336000000,
  RateLimits1770422400000,
  AuthRequestRequestObjectIndex1770595200000,
  EncryptionKeys1770595200001,
  WrappedEncryptionKeys1770681600000,
  OwnerPasskeys1770768000000,
  AuthRequestOwnerHistoryIndex1770854400016,
  OwnerNotifications1770940800000,
  AuditEventSequenceIndex1770940800001,
];
