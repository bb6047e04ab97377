// Entry point of the MQTT bridge: parse the environment once (STYLE §12), start, stop on a signal.
import 'reflect-metadata';
import { ConfigError, loadBridgeConfig } from '@onboard/config';
import { createBridgeApp } from './infra/create-bridge-app';

async function main(): Promise<void> {
  const app = await createBridgeApp(loadBridgeConfig(process.env), { processMetrics: true });
  const stop = () => {
    app.logger.info('mqtt bridge stopping');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`configuration error: ${err.message}\n`);
  else process.stderr.write(`mqtt-bridge failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
