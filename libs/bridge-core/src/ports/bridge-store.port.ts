import type { LimitStore } from '@onboard/platform';
import type { DeviceRegistry } from './device-registry.port';
import type { RelayLedger } from './relay-ledger.port';

/** Everything the bridge persists: its device registry and its request ledger. */
export interface BridgeStore {
  devices: DeviceRegistry;
  relays: RelayLedger;
  /** Counters of the bridge's limits on failed authentications (shared by replicas on one database). */
  limits: LimitStore;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}
