import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Row of `auth_requests` (CIBA §7). Property names follow the domain `AuthRequest`. */
@Entity({ name: 'auth_requests' })
// Pending rows only (migration AuthRequestPendingIndexes1769040000000).
@Index('idx_auth_requests_pending_owner', ['sub', 'expiresAt'], { where: "status = 'pending'" })
@Index('idx_auth_requests_pending_expiry', ['expiresAt'], { where: "status = 'pending'" })
// The owner's history, newest first (migration AuthRequestOwnerHistoryIndex1770854400016).
@Index('idx_auth_requests_owner_history', ['sub', 'createdAt', 'id'])
export class AuthRequestEntity {
  @PrimaryColumn({ name: 'id', type: 'text' }) id: string;
  @Index('uq_auth_requests_auth_req_id_hash', { unique: true })
  @Column({ name: 'auth_req_id_hash', type: 'text' })
  authReqIdHash: string;
  @Column({ name: 'client_id', type: 'text' }) clientId: string;
  @Column({ name: 'sub', type: 'text' }) sub: string;
  @Column({ name: 'scope', type: 'text' }) scope: string;
  @Column({ name: 'acr_values', type: 'simple-json', nullable: true }) acrValues: string[] | null;
  @Column({ name: 'binding_message', type: 'text', nullable: true }) bindingMessage: string | null;
  @Column({ name: 'authorization_details', type: 'simple-json', nullable: true }) authorizationDetails: unknown;
  @Column({ name: 'delivery_mode', type: 'text' }) deliveryMode: string;
  @Column({ name: 'client_notification_token', type: 'text', nullable: true }) clientNotificationToken: string | null;
  @Column({ name: 'delivery_auth_req_id', type: 'text', nullable: true }) deliveryAuthReqId: string | null;
  @Column({ name: 'dpop_jkt', type: 'text', nullable: true }) dpopJkt: string | null;
  @Column({ name: 'request_object_hash', type: 'text', nullable: true }) requestObjectHash: string | null;
  @Column({ name: 'denial_reason', type: 'text', nullable: true }) denialReason: string | null;
  @Column({ name: 'status', type: 'text' }) status: string;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
  @Index('idx_auth_requests_expires_at') @Column({ name: 'expires_at', type: 'bigint' }) expiresAt: number;
  @Column({ name: 'interval', type: 'integer' }) interval: number;
  @Column({ name: 'last_polled_at', type: 'bigint', nullable: true }) lastPolledAt: number | null;
  @Column({ name: 'auth_time', type: 'bigint', nullable: true }) authTime: number | null;
  @Column({ name: 'acr', type: 'text', nullable: true }) acr: string | null;
  @Column({ name: 'amr', type: 'simple-json', nullable: true }) amr: string[] | null;
  @Column({ name: 'approved_by', type: 'text', nullable: true }) approvedBy: string | null;
  @Column({ name: 'approved_at', type: 'bigint', nullable: true }) approvedAt: number | null;
  @Column({ name: 'consumed_at', type: 'bigint', nullable: true }) consumedAt: number | null;
  @Column({ name: 'grant_id', type: 'text', nullable: true }) grantId: string | null;
}
