import { connect } from 'node:net';
import type { Logger } from '@onboard/platform';
import { loadBridgeConfig } from '@onboard/config';
import { createBridgeApp } from './create-bridge-app';

/** A logger that keeps `level msg` lines. */
function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe('createBridgeApp start-up hints', () => {
  const env = {
    BRIDGE_MQTT_PORT: '0',
    BRIDGE_HTTP_PORT: '0',
    BRIDGE_HOST: '127.0.0.1',
    BRIDGE_DATABASE_URL: 'sqlite::memory:',
    // nothing listens there: discovery fails fast and the bridge starts with the default paths
    PROVIDER_URL: 'http://127.0.0.1:1',
  };

  async function startupLines(extra: Record<string, string>): Promise<string[]> {
    const lines: string[] = [];
    const app = await createBridgeApp(loadBridgeConfig({ ...env, ...extra }), { logger: recordingLogger(lines) });
    await app.close();
    return lines;
  }

  it('says in one line that the admin API is off and how to turn it on', async () => {
    const lines = await startupLines({});
    expect(lines.filter((line) => line.includes('admin API off'))).toEqual([
      'info bridge admin API off: set BRIDGE_ADMIN_TOKEN (at least 16 characters) to enable /admin/v1/devices',
    ]);
  });

  it('warns when the admin API is on but cannot reach the provider admin API', async () => {
    const lines = await startupLines({ BRIDGE_ADMIN_TOKEN: 'bridge-admin-token-0001' });
    expect(lines.some((line) => line.includes('admin API off'))).toBe(false);
    expect(lines).toContain(
      'warn PROVIDER_ADMIN_TOKEN is not set: the bridge admin API cannot register or disable devices at the provider',
    );
  });
});

describe('createBridgeApp as one hybrid application', () => {
  it('serves HTTP and MQTT from one Nest application and stops both with its close()', async () => {
    const lines: string[] = [];
    const app = await createBridgeApp(
      loadBridgeConfig({
        BRIDGE_MQTT_PORT: '0',
        BRIDGE_HTTP_PORT: '0',
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_DATABASE_URL: 'sqlite::memory:',
        PROVIDER_URL: 'http://127.0.0.1:1',
      }),
      { logger: recordingLogger(lines) },
    );
    expect(app.bridge.app).toBe(app.http.app);
    expect((await fetch(`${app.httpUrl}/health`)).status).toBe(200);
    const mqttPort = app.bridge.addresses.tcp;
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(mqttPort, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    expect(open).toBe(true);
    await app.close();
    await expect(fetch(`${app.httpUrl}/health`)).rejects.toThrow();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(mqttPort, '127.0.0.1', () => {
        socket.destroy();
        resolve(false);
      }).on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
