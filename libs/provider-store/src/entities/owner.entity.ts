import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Row of `owners`. The lower(email) index is created by the migration (login_hint match). */
@Entity({ name: 'owners' })
export class OwnerEntity {
  @PrimaryColumn({ name: 'sub', type: 'text' }) sub: string;
  @Index('idx_owners_username') @Column({ name: 'username', type: 'text', nullable: true }) username: string | null;
  @Column({ name: 'email', type: 'text', nullable: true }) email: string | null;
  @Index('idx_owners_phone_number')
  @Column({ name: 'phone_number', type: 'text', nullable: true })
  phoneNumber: string | null;
  @Column({ name: 'name', type: 'text', nullable: true }) name: string | null;
  @Column({ name: 'user_code_hash', type: 'text', nullable: true }) userCodeHash: string | null;
  @Column({ name: 'disabled', type: 'boolean' }) disabled: boolean;
  @Column({ name: 'disabled_at', type: 'bigint', nullable: true }) disabledAt: number | null;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
}

/** Row of `owner_devices`. */
@Entity({ name: 'owner_devices' })
@Index('idx_owner_devices_sub', ['sub', 'createdAt'])
export class OwnerDeviceEntity {
  @PrimaryColumn({ name: 'id', type: 'text' }) id: string;
  @Column({ name: 'sub', type: 'text' }) sub: string;
  @Column({ name: 'name', type: 'text', nullable: true }) name: string | null;
  @Index('uq_owner_devices_credential_hash', { unique: true })
  @Column({ name: 'credential_hash', type: 'text' })
  credentialHash: string;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
  @Column({ name: 'disabled', type: 'boolean' }) disabled: boolean;
}
