// Entry point of the MQTT bridge: parse the environment once, open the device directory, start.
import 'reflect-metadata';
import { parseBridgeConfig } from './config/bridge-config';
import { JsonFileDeviceDirectory } from './devices/json-file-device-directory';
import { createJsonLogger } from '@onboard/observability';
import { startBridge } from './create-bridge';

async function main(): Promise<void> {
  const config = parseBridgeConfig(process.env);
  const logger = createJsonLogger({ level: config.logLevel, base: { service: 'mqtt-bridge' } });
  const clock = { now: () => Date.now() };
  const directory = await JsonFileDeviceDirectory.open(config.devicesFile, { clock, logger });
  const bridge = await startBridge(config, { directory, logger, clock });
  const stop = () => {
    logger.info('mqtt bridge stopping');
    bridge.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mqtt-bridge failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
