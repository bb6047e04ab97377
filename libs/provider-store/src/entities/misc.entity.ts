import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Row of `replay`: a consume-once marker (jti of a request object, client assertion or DPoP proof). */
@Entity({ name: 'replay' })
export class ReplayEntity {
  @PrimaryColumn({ name: 'key', type: 'text' }) key: string;
  @Index('idx_replay_expires_at') @Column({ name: 'expires_at', type: 'bigint' }) expiresAt: number;
}

/** Row of `outbox`: a ping/push delivery (CIBA §10.2, §10.3) or an owner notification (`kind`). */
@Entity({ name: 'outbox' })
// Pending rows only (migration AppendOnlyAuditPendingOutbox1769644800000).
@Index('idx_outbox_pending_next_attempt_at', ['nextAttemptAt'], { where: "status = 'pending'" })
export class OutboxEntity {
  @PrimaryColumn({ name: 'id', type: 'text' }) id: string;
  @Column({ name: 'kind', type: 'text' }) kind: string;
  @Column({ name: 'auth_request_id', type: 'text' }) authRequestId: string;
  @Column({ name: 'client_id', type: 'text' }) clientId: string;
  @Column({ name: 'url', type: 'text' }) url: string;
  @Column({ name: 'bearer', type: 'text' }) bearer: string;
  @Column({ name: 'body', type: 'text' }) body: string;
  @Column({ name: 'attempts', type: 'integer' }) attempts: number;
  @Column({ name: 'next_attempt_at', type: 'bigint' }) nextAttemptAt: number;
  @Column({ name: 'status', type: 'text' }) status: string;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
}

/**
 * Row of `audit_events`. `seq` is assigned by the database on insert (an identity
 * column in PostgreSQL, the rowid in SQLite): it orders events with the same `at` by
 * insertion. It is storage-only (`insert: false`), never mapped into the domain
 * `AuditEvent`. In SQLite `seq` is the primary key and `id` is not indexed (migration
 * AppendOnlyAuditPendingOutbox1769644800000); the store never looks events up by `id`.
 */
@Entity({ name: 'audit_events' })
@Index('idx_audit_events_at_seq', ['at', 'seq'])
export class AuditEventEntity {
  @PrimaryColumn({ name: 'id', type: 'text' }) id: string;
  @Column({ name: 'seq', type: 'bigint', insert: false, update: false, select: false }) seq: number;
  @Column({ name: 'at', type: 'bigint' }) at: number;
  @Column({ name: 'type', type: 'text' }) type: string;
  @Column({ name: 'client_id', type: 'text', nullable: true }) clientId: string | null;
  @Index('idx_audit_events_sub') @Column({ name: 'sub', type: 'text', nullable: true }) sub: string | null;
  @Index('idx_audit_events_auth_request_id')
  @Column({ name: 'auth_request_id', type: 'text', nullable: true })
  authRequestId: string | null;
  @Column({ name: 'data', type: 'simple-json', nullable: true }) data: Record<string, unknown> | null;
  @Column({ name: 'prev_hash', type: 'text', nullable: true }) prevHash: string | null;
  @Column({ name: 'hash', type: 'text', nullable: true }) hash: string | null;
}

/** Row of `vapid_keys`: the provider's VAPID key pair (RFC 8292), its private JWK wrapped under the KEK. */
@Entity({ name: 'vapid_keys' })
export class VapidKeyEntity {
  @PrimaryColumn({ name: 'kid', type: 'text' }) kid: string;
  @Column({ name: 'public_key', type: 'text' }) publicKey: string;
  @Column({ name: 'wrapped_private_key', type: 'text', nullable: true }) wrappedPrivateKey: string | null;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
}

/** Row of `push_subscriptions`: an owner device's Web Push subscription (RFC 8030, RFC 8291 keys). */
@Entity({ name: 'push_subscriptions' })
@Index('idx_push_subscriptions_sub', ['sub', 'createdAt'])
export class PushSubscriptionEntity {
  @PrimaryColumn({ name: 'id', type: 'text' }) id: string;
  @Column({ name: 'sub', type: 'text' }) sub: string;
  @Index('idx_push_subscriptions_device_id') @Column({ name: 'device_id', type: 'text' }) deviceId: string;
  @Index('uq_push_subscriptions_endpoint', { unique: true })
  @Column({ name: 'endpoint', type: 'text' })
  endpoint: string;
  @Column({ name: 'p256dh', type: 'text' }) p256dh: string;
  @Column({ name: 'auth', type: 'text' }) auth: string;
  @Column({ name: 'created_at', type: 'bigint' }) createdAt: number;
}
