import { AuthRequestEntity } from './auth-request.entity';
import { ClientEntity } from './client.entity';
import { AuditEventEntity, OutboxEntity, PushSubscriptionEntity, ReplayEntity, VapidKeyEntity } from './misc.entity';
import { OwnerDeviceEntity, OwnerEntity } from './owner.entity';
import {
  ApprovalAssertionEntity,
  OwnerInvitationEntity,
  OwnerSessionEntity,
  PasskeyEntity,
  WebAuthnChallengeEntity,
} from './passkey.entity';
import {
  EncryptionKeyEntity,
  RefreshTokenEntity,
  RevokedFamilyEntity,
  RevokedTokenEntity,
  SigningKeyEntity,
} from './token.entity';

/** Every entity of the schema, registered with the DataSource (never exported from the lib). */
export const ALL_ENTITIES = [
  ClientEntity,
  OwnerEntity,
  OwnerDeviceEntity,
  AuthRequestEntity,
  ReplayEntity,
  RefreshTokenEntity,
  RevokedTokenEntity,
  RevokedFamilyEntity,
  SigningKeyEntity,
  EncryptionKeyEntity,
  OutboxEntity,
  AuditEventEntity,
  OwnerInvitationEntity,
  PasskeyEntity,
  OwnerSessionEntity,
  WebAuthnChallengeEntity,
  ApprovalAssertionEntity,
  VapidKeyEntity,
  PushSubscriptionEntity,
];
