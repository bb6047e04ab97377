import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Row of `owner_invitations`: a one-time enrolment invitation (the token only hashed). */
@Entity({ name: 'owner_invitations' })
export class OwnerInvitationEntity {
  @PrimaryColumn({ name: 'id', type: 'text' }) id: string;
  @Index('uq_owner_invitations_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash: string;
  @Column({ name: 'sub', type: 'text' }) sub: string;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
  @Index('idx_owner_invitations_expires_at') @Column({ name: 'expires_at', type: 'bigint' }) expiresAt: number;
  @Column({ name: 'used_at', type: 'bigint', nullable: true }) usedAt: number | null;
  @Column({ name: 'created_by', type: 'text', nullable: true }) createdBy: string | null;
}

/** Row of `owner_passkeys`: an owner's WebAuthn credential (public key only). */
@Entity({ name: 'owner_passkeys' })
@Index('idx_owner_passkeys_sub', ['sub', 'createdAt'])
export class PasskeyEntity {
  @PrimaryColumn({ name: 'id', type: 'text' }) id: string;
  @Column({ name: 'sub', type: 'text' }) sub: string;
  @Column({ name: 'name', type: 'text' }) name: string;
  @Index('uq_owner_passkeys_credential_id', { unique: true })
  @Column({ name: 'credential_id', type: 'text' })
  credentialId: string;
  @Column({ name: 'public_key', type: 'text' }) publicKey: string;
  @Column({ name: 'algorithm', type: 'integer' }) algorithm: number;
  @Column({ name: 'counter', type: 'bigint' }) counter: number;
  @Column({ name: 'transports', type: 'simple-json', nullable: true }) transports: string[] | null;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
  @Column({ name: 'last_used_at', type: 'bigint', nullable: true }) lastUsedAt: number | null;
  @Column({ name: 'removed_at', type: 'bigint', nullable: true }) removedAt: number | null;
}

/** Row of `owner_sessions`: a signed-in owner app (the cookie only hashed). */
@Entity({ name: 'owner_sessions' })
export class OwnerSessionEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'text' }) tokenHash: string;
  @Column({ name: 'sub', type: 'text' }) sub: string;
  @Index('idx_owner_sessions_device_id') @Column({ name: 'device_id', type: 'text' }) deviceId: string;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
  @Index('idx_owner_sessions_expires_at') @Column({ name: 'expires_at', type: 'bigint' }) expiresAt: number;
}

/** Row of `webauthn_challenges`: a challenge handed out and not yet answered. */
@Entity({ name: 'webauthn_challenges' })
export class WebAuthnChallengeEntity {
  @PrimaryColumn({ name: 'id', type: 'text' }) id: string;
  @Column({ name: 'purpose', type: 'text' }) purpose: string;
  @Column({ name: 'challenge', type: 'text' }) challenge: string;
  @Column({ name: 'sub', type: 'text', nullable: true }) sub: string | null;
  @Column({ name: 'invitation_id', type: 'text', nullable: true }) invitationId: string | null;
  @Column({ name: 'auth_request_id', type: 'text', nullable: true }) authRequestId: string | null;
  @Column({ name: 'device_id', type: 'text', nullable: true }) deviceId: string | null;
  @Column({ name: 'commitment', type: 'text', nullable: true }) commitment: string | null;
  @Index('idx_webauthn_challenges_expires_at') @Column({ name: 'expires_at', type: 'bigint' }) expiresAt: number;
}

/** Row of `approval_assertions`: the owner's assertion that approved a request. */
@Entity({ name: 'approval_assertions' })
export class ApprovalAssertionEntity {
  @PrimaryColumn({ name: 'auth_request_id', type: 'text' }) authRequestId: string;
  @Column({ name: 'sub', type: 'text' }) sub: string;
  @Column({ name: 'device_id', type: 'text' }) deviceId: string;
  @Column({ name: 'credential_id', type: 'text' }) credentialId: string;
  @Column({ name: 'public_key', type: 'text' }) publicKey: string;
  @Column({ name: 'algorithm', type: 'integer' }) algorithm: number;
  @Column({ name: 'commitment', type: 'text' }) commitment: string;
  @Column({ name: 'authenticator_data', type: 'text' }) authenticatorData: string;
  @Column({ name: 'client_data_json', type: 'text' }) clientDataJSON: string;
  @Column({ name: 'signature', type: 'text' }) signature: string;
  @Column({ name: 'user_handle', type: 'text', nullable: true }) userHandle: string | null;
  @Index('idx_approval_assertions_created_at') @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
}
