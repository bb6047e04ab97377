// Public API of @onboard/bridge-core: the MQTT bridge's relay logic and its ports, framework-free.

// --- ports ---
export * from './ports/device-registry.port';
export * from './ports/relay-ledger.port';
export * from './ports/bridge-store.port';

// --- in-memory store ---
export * from './memory/memory-bridge-store';
