import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Row of `refresh_tokens`: only the token hash is stored. */
@Entity({ name: 'refresh_tokens' })
export class RefreshTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'text' }) tokenHash: string;
  @Index('idx_refresh_tokens_family_id') @Column({ name: 'family_id', type: 'text' }) familyId: string;
  @Index('idx_refresh_tokens_client_id') @Column({ name: 'client_id', type: 'text' }) clientId: string;
  @Index('idx_refresh_tokens_sub') @Column({ name: 'sub', type: 'text' }) sub: string;
  @Column({ name: 'scope', type: 'text' }) scope: string;
  @Column({ name: 'auth_time', type: 'bigint' }) authTime: number;
  @Column({ name: 'acr', type: 'text', nullable: true }) acr: string | null;
  @Column({ name: 'amr', type: 'simple-json', nullable: true }) amr: string[] | null;
  @Column({ name: 'authorization_details', type: 'simple-json', nullable: true }) authorizationDetails: unknown;
  @Column({ name: 'jkt', type: 'text', nullable: true }) jkt: string | null;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
  @Index('idx_refresh_tokens_expires_at') @Column({ name: 'expires_at', type: 'bigint' }) expiresAt: number;
  @Column({ name: 'used_at', type: 'bigint', nullable: true }) usedAt: number | null;
  @Column({ name: 'revoked', type: 'boolean' }) revoked: boolean;
}

/** Row of `revoked_tokens`: a revoked access-token jti (RFC 7009), kept until the token expires. */
@Entity({ name: 'revoked_tokens' })
export class RevokedTokenEntity {
  @PrimaryColumn({ name: 'jti', type: 'text' }) jti: string;
  @Index('idx_revoked_tokens_expires_at') @Column({ name: 'expires_at', type: 'bigint' }) expiresAt: number;
}

/** Row of `revoked_families`: a revoked grant family. */
@Entity({ name: 'revoked_families' })
export class RevokedFamilyEntity {
  @PrimaryColumn({ name: 'family_id', type: 'text' }) familyId: string;
  @Index('idx_revoked_families_expires_at') @Column({ name: 'expires_at', type: 'bigint' }) expiresAt: number;
}

/** Row of `signing_keys`: the private key wrapped (compact JWE text); `private_jwk` only in rows from before. */
@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn({ name: 'kid', type: 'text' }) kid: string;
  @Column({ name: 'alg', type: 'text' }) alg: string;
  @Column({ name: 'wrapped_private_key', type: 'text', nullable: true }) wrappedPrivateKey: string | null;
  @Column({ name: 'private_jwk', type: 'simple-json', nullable: true }) privateJwk: Record<string, unknown> | null;
  @Column({ name: 'public_jwk', type: 'simple-json' }) publicJwk: Record<string, unknown>;
  @Column({ name: 'status', type: 'text' }) status: string;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
  @Column({ name: 'expires_at', type: 'bigint', nullable: true }) expiresAt: number | null;
}

/**
 * Row of `encryption_keys` (the private JWK wrapped under the KEK; `private_jwk` only on rows
 * from before wrapping); apart from `signing_keys`: these never sign.
 */
@Entity({ name: 'encryption_keys' })
export class EncryptionKeyEntity {
  @PrimaryColumn({ name: 'kid', type: 'text' }) kid: string;
  @Column({ name: 'alg', type: 'text' }) alg: string;
  @Column({ name: 'wrapped_private_key', type: 'text', nullable: true }) wrappedPrivateKey: string | null;
  @Column({ name: 'private_jwk', type: 'simple-json', nullable: true }) privateJwk: Record<string, unknown> | null;
  @Column({ name: 'public_jwk', type: 'simple-json' }) publicJwk: Record<string, unknown>;
  @Column({ name: 'status', type: 'text' }) status: string;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
  @Column({ name: 'expires_at', type: 'bigint', nullable: true }) expiresAt: number | null;
}
