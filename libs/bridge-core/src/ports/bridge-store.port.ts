import type { DeviceRegistry } from './device-registry.port';
import type { RelayLedger } from './relay-ledger.port';

/** Everything the bridge persists: its device registry and its request ledger. */
export interface BridgeStore {
  devices: DeviceRegistry;
  relays: RelayLedger;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}
