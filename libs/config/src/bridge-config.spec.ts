import { ConfigError } from './config';
import { loadBridgeConfig } from './bridge-config';

function failure(env: Record<string, string>): ConfigError {
  try {
    loadBridgeConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadBridgeConfig to throw');
}

describe('loadBridgeConfig', () => {
  it('defaults to MQTT on 1884 (leaving 1883 to a local Mosquitto), HTTP on 4001 and the provider on 4000', () => {
    const config = loadBridgeConfig({});
    expect(config.tcpPort).toBe(1884);
    expect(config.tls).toBeUndefined();
    expect(config.webSocket).toBeUndefined();
    expect(config.externalBroker).toBeUndefined();
    expect(config.audience).toBe('urn:onboard:mqtt-bridge');
    expect(config.http).toEqual({ port: 4001, host: '127.0.0.1' });
    expect(config.publicUrl).toBe('http://localhost:4001');
    expect(config.provider).toEqual({ url: 'http://localhost:4000', adminToken: undefined });
    expect(config.adminToken).toBeUndefined();
    expect(config.databaseUrl).toBe('sqlite:./data/bridge.sqlite');
    expect(config.logLevel).toBe('info');
  });

  it('configures TLS with client certificates when a CA file is given, and a WebSocket listener', () => {
    const config = loadBridgeConfig({
      BRIDGE_MQTTS_PORT: '8883',
      BRIDGE_TLS_CERT_FILE: 'c',
      BRIDGE_TLS_KEY_FILE: 'k',
      BRIDGE_TLS_CA_FILE: 'ca',
      BRIDGE_WS_PORT: '0',
    });
    expect(config.tls).toEqual({ port: 8883, certFile: 'c', keyFile: 'k', caFile: 'ca', clientCertificates: true });
    expect(config.webSocket).toEqual({ port: 0, path: '/mqtt' });
    const withoutCa = loadBridgeConfig({ BRIDGE_MQTTS_PORT: '1', BRIDGE_TLS_CERT_FILE: 'c', BRIDGE_TLS_KEY_FILE: 'k' });
    expect(withoutCa.tls?.clientCertificates).toBe(false);
  });

  it('switches to external-broker mode when BRIDGE_BROKER_URL is set', () => {
    const config = loadBridgeConfig({
      BRIDGE_BROKER_URL: 'mqtt://127.0.0.1:1883',
      BRIDGE_BROKER_USERNAME: 'bridge',
      BRIDGE_BROKER_PASSWORD: 'secret',
    });
    expect(config.externalBroker).toEqual({
      url: 'mqtt://127.0.0.1:1883',
      username: 'bridge',
      password: 'secret',
      clientId: 'onboard-bridge',
    });
  });

  it('derives the public URL from the HTTP port and trims trailing slashes from URLs', () => {
    const config = loadBridgeConfig({ BRIDGE_HTTP_PORT: '5001', PROVIDER_URL: 'https://op.example/' });
    expect(config.publicUrl).toBe('http://localhost:5001');
    expect(config.provider.url).toBe('https://op.example');
  });

  it('serves the admin API and /metrics on BRIDGE_ADMIN_PORT only when it is set, and takes a metrics token', () => {
    expect(loadBridgeConfig({}).adminHttp).toBeUndefined();
    expect(loadBridgeConfig({}).metricsToken).toBeUndefined();
    const config = loadBridgeConfig({ BRIDGE_ADMIN_PORT: '4101', BRIDGE_METRICS_TOKEN: 'm'.repeat(16) });
    expect(config.adminHttp).toEqual({ port: 4101, host: '127.0.0.1' });
    expect(config.metricsToken).toBe('m'.repeat(16));
    expect(loadBridgeConfig({}).provider.adminUrl).toBeUndefined();
    expect(loadBridgeConfig({ PROVIDER_ADMIN_URL: 'http://127.0.0.1:4100/' }).provider.adminUrl).toBe(
      'http://127.0.0.1:4100',
    );
    expect(failure({ PROVIDER_ADMIN_URL: 'ftp://x' }).variable).toBe('PROVIDER_ADMIN_URL');
    expect(failure({ BRIDGE_ADMIN_PORT: '4001' }).message).toContain('must differ from BRIDGE_HTTP_PORT');
    expect(failure({ BRIDGE_ADMIN_HOST: '0.0.0.0' }).message).toContain('needs BRIDGE_ADMIN_PORT');
    expect(failure({ BRIDGE_METRICS_TOKEN: 'short' }).message).toContain('BRIDGE_METRICS_TOKEN');
  });

  it('stops with a message naming the variable on a bad value, never echoing a token', () => {
    expect(failure({ BRIDGE_MQTT_PORT: '70000' }).variable).toBe('BRIDGE_MQTT_PORT');
    expect(failure({ BRIDGE_MQTTS_PORT: '8883' }).variable).toBe('BRIDGE_TLS_CERT_FILE');
    expect(failure({ BRIDGE_MAX_PACKET_BYTES: 'big' }).variable).toBe('BRIDGE_MAX_PACKET_BYTES');
    expect(failure({ BRIDGE_BROKER_URL: 'http://x' }).variable).toBe('BRIDGE_BROKER_URL');
    expect(failure({ BRIDGE_BROKER_URL: 'mqtt://u:p@x' }).message).toMatch(/credentials/);
    expect(failure({ LOG_LEVEL: 'loud' }).variable).toBe('LOG_LEVEL');
    const short = failure({ BRIDGE_ADMIN_TOKEN: 'short-secret' });
    expect(short.variable).toBe('BRIDGE_ADMIN_TOKEN');
    expect(short.message).not.toContain('short-secret');
    expect(failure({ BRIDGE_DATABASE_URL: 'mysql://x' }).variable).toBe('BRIDGE_DATABASE_URL');
  });
});
