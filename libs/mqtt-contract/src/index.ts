// Public API of @onboard/mqtt-contract: the MQTT device protocol shared by the bridge and the
// device client library (docs/protocol.md). Framework-free.
export * from './limits';
export * from './error-codes';
export * from './topics';
export * from './acl';
export * from './messages';
export * from './payload-schemas';
export * from './decode';
export * from './encode';
export * from './connect-credential';
export * from './sealed-payload';
