import { randomBytes } from 'node:crypto';
import { MemoryDeviceRegistry } from '@onboard/bridge-core';
import { DeviceAdmin } from '../../apps/mqtt-bridge/src/admin/device-admin';
import { registerDeviceAdminRoutes } from '../../apps/mqtt-bridge/src/admin/device-admin.routes';
import { HttpProviderAdmin } from '../../apps/mqtt-bridge/src/admin/provider-admin';
import { BridgeHttpServer } from '../../apps/mqtt-bridge/src/infra/http-server';
import type { TestProvider } from '../support/provider';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The bridge's admin API on its HTTP listener, over an in-memory registry, mirroring to `provider`. */
export async function startAdminApi(
  provider: TestProvider,
  options: { concurrency?: number; providerToken?: string } = {},
) {
  const adminToken = 'bridge-admin-' + randomBytes(16).toString('hex');
  const registry = new MemoryDeviceRegistry();
  const disconnected: string[] = [];
  const http = new BridgeHttpServer({ logger: silent });
  const base = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
  const admin = new DeviceAdmin({
    registry,
    provider: new HttpProviderAdmin({
      providerUrl: provider.url,
      adminToken: options.providerToken ?? provider.adminToken,
    }),
    connections: { disconnect: (id: string) => disconnected.push(id) },
    clock: { now: () => Date.now() },
    logger: silent,
    notificationEndpoint: `${base}/ciba/notify`,
    concurrency: options.concurrency ?? 16,
  });
  registerDeviceAdminRoutes(http, admin, adminToken);
  const call = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as any };
  };
  return { base, adminToken, registry, disconnected, call, close: () => http.close() };
}
