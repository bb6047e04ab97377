import type { ConnectRefusal, DropReason } from '@onboard/bridge-core';
import type { AclDecision, DeviceMessageType } from '@onboard/mqtt-contract';

export type { ConnectRefusal };

export type { DropReason };

/**
 * Counters of the bridge, read by the metrics endpoint. Plain numbers so that any exporter can
 * read a {@link BridgeMetricsSnapshot}.
 */
export class BridgeMetrics {
  private readonly acl = new Map<string, number>();
  private readonly refusals = new Map<ConnectRefusal, number>();
  private readonly drops = new Map<DropReason, number>();
  private readonly handled = new Map<string, number>();
  private connectionRateLimited = 0;
  private oversizedPackets = 0;

  countAclRefusal(operation: 'publish' | 'subscribe', decision: Exclude<AclDecision, 'allowed'>): void {
    bump(this.acl, `${operation}:${decision}`);
  }
  countConnectRefusal(reason: ConnectRefusal): void {
    bump(this.refusals, reason);
  }
  countConnectionRateLimited(): void {
    this.connectionRateLimited++;
  }
  countOversizedPacket(): void {
    this.oversizedPackets++;
  }
  countDrop(reason: DropReason): void {
    bump(this.drops, reason);
  }
  /**
   * `messageType` is a known type or `unknown` (never a device-chosen topic level: metric series
   * must stay bounded); `outcome` is the reply type sent (`ack`, `status`, `result`,
   * `error:<code>`), `none`, or `dropped:<code>` for a malformed result-ack.
   */
  countHandled(messageType: DeviceMessageType | 'unknown', outcome: string): void {
    bump(this.handled, `${messageType}:${outcome}`);
  }

  /** Cross-device publish and subscribe attempts refused so far. */
  get crossDeviceAttempts(): number {
    return (this.acl.get('publish:cross_device') ?? 0) + (this.acl.get('subscribe:cross_device') ?? 0);
  }

  snapshot(): BridgeMetricsSnapshot {
    return {
      aclRefusals: Object.fromEntries(this.acl),
      crossDeviceAttempts: this.crossDeviceAttempts,
      connectRefusals: Object.fromEntries(this.refusals),
      connectionRateLimited: this.connectionRateLimited,
      oversizedPackets: this.oversizedPackets,
      drops: Object.fromEntries(this.drops),
      handled: Object.fromEntries(this.handled),
    };
  }
}

export interface BridgeMetricsSnapshot {
  aclRefusals: Record<string, number>;
  crossDeviceAttempts: number;
  connectRefusals: Record<string, number>;
  connectionRateLimited: number;
  oversizedPackets: number;
  drops: Record<string, number>;
  handled: Record<string, number>;
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
