import * as childProcess from 'node:child_process';

/**
 * The external broker the Mosquitto tests use. `TEST_MQTT_URL` overrides the local
 * Mosquitto at mqtt://127.0.0.1:1883. When it cannot be reached the tests are skipped with a
 * printed reason, unless `ONBOARD_REQUIRE_MOSQUITTO=1` (CI), which makes them fail instead.
 * The reachability probe runs synchronously at module load (a child process), so `describe`
 * blocks can be chosen before Jest collects them.
 */
export function externalBrokerUnderTest(): { url?: string; reason?: string } {
  // process.env is read here, in a test helper, never in the bridge's code (STYLE §12)
  const url = process.env.TEST_MQTT_URL || 'mqtt://127.0.0.1:1883';
  const required = process.env.ONBOARD_REQUIRE_MOSQUITTO === '1';
  const { hostname, port } = new URL(url);
  const reachable = probe(hostname, Number(port) || 1883);
  if (reachable) return { url };
  const reason = `no MQTT broker at ${url} (set TEST_MQTT_URL, or start Mosquitto)`;
  if (required) throw new Error(`ONBOARD_REQUIRE_MOSQUITTO=1 but ${reason}`);
  process.stdout.write(`skipped: Mosquitto tests, ${reason}\n`);
  return { reason };
}

/** TCP connect probe run in a child Node process, so that it can be awaited synchronously. */
function probe(host: string, port: number): boolean {
  const { spawnSync } = childProcess;
  const script = `const s=require('node:net').connect(${port},${JSON.stringify(host)});s.setTimeout(1000);s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: 3000 }).status === 0;
}
