// The bridge's configuration lives in @onboard/config (`loadBridgeConfig`, STYLE §12); these
// re-exports keep the bridge's own imports short.
export {
  ConfigError as BridgeConfigError,
  DEFAULT_BROKER_LIMITS,
  loadBridgeConfig as parseBridgeConfig,
  type BridgeConfig,
  type BrokerLimits,
  type ExternalBrokerConfig,
  type TlsListenerConfig,
  type WebSocketListenerConfig,
} from '@onboard/config';
