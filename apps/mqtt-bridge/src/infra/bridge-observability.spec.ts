import { BridgeMetrics } from '../broker/bridge-metrics';
import { createBridgeMetrics, registerOpsRoutes } from './bridge-observability';
import { BridgeHttpServer } from './http-server';

const logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('bridge /health and /metrics', () => {
  const counters = new BridgeMetrics();
  let healthy = true;
  const http = new BridgeHttpServer({ logger });
  let base: string;
  beforeAll(async () => {
    const metrics = createBridgeMetrics({ snapshot: () => counters.snapshot(), connectedDevices: () => 3 });
    registerOpsRoutes(http, metrics, { broker: () => healthy });
    base = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
  });
  afterAll(() => http.close());

  it('exports the broker counters read at scrape time in Prometheus text format', async () => {
    counters.countConnectRefusal('unknown_device');
    counters.countConnectRefusal('unknown_device');
    counters.countAclRefusal('publish', 'cross_device');
    counters.countHandled('cancel', 'error:unknown_request');
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('onboard_bridge_connect_refusals_total{reason="unknown_device"} 2');
    expect(text).toContain('onboard_bridge_acl_refusals_total{operation="publish",decision="cross_device"} 1');
    expect(text).toContain('onboard_bridge_handled_messages_total{type="cancel",outcome="error:unknown_request"} 1');
    expect(text).toContain('onboard_bridge_connected_devices 3');
  });

  it('reports ok while every check passes and 503 naming the failing check otherwise', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    healthy = false;
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', failing: ['broker'] });
  });
});
