import { BridgeConfigError, parseBridgeConfig } from './bridge-config';

describe('bridge configuration', () => {
  it('defaults to port 1884, leaving 1883 to a local Mosquitto, with no TLS or WebSocket listener', () => {
    const config = parseBridgeConfig({});
    expect(config.tcpPort).toBe(1884);
    expect(config.tls).toBeUndefined();
    expect(config.webSocket).toBeUndefined();
    expect(config.audience).toBe('urn:onboard:mqtt-bridge');
  });

  it('configures TLS and WebSocket listeners when their ports are set', () => {
    const config = parseBridgeConfig({
      BRIDGE_MQTTS_PORT: '8883',
      BRIDGE_TLS_CERT_FILE: 'c',
      BRIDGE_TLS_KEY_FILE: 'k',
      BRIDGE_WS_PORT: '0',
    });
    expect(config.tls).toEqual({ port: 8883, certFile: 'c', keyFile: 'k', caFile: undefined });
    expect(config.webSocket).toEqual({ port: 0, path: '/mqtt' });
  });

  it('stops with a message naming the variable on a bad value', () => {
    expect(() => parseBridgeConfig({ BRIDGE_MQTT_PORT: '70000' })).toThrow(
      new BridgeConfigError('BRIDGE_MQTT_PORT', 'must be a port number (0-65535)'),
    );
    expect(() => parseBridgeConfig({ BRIDGE_MQTTS_PORT: '8883' })).toThrow(/BRIDGE_TLS_CERT_FILE/);
    expect(() => parseBridgeConfig({ BRIDGE_MAX_PACKET_BYTES: 'big' })).toThrow(/BRIDGE_MAX_PACKET_BYTES/);
  });
});
