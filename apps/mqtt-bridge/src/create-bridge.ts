import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import type { Clock, Logger } from '@onboard/ciba-core';
import type { BridgeConfig } from './config/bridge-config';
import type { DeviceDirectory } from './devices/device-directory.port';
import { BridgeBroker } from './broker/bridge-broker';
import { BridgeMetrics } from './broker/bridge-metrics';
import type { ConnectReplayCache } from './broker/connect-replay-cache';
import type { ListenerAddresses } from './broker/listeners';
import { AedesTransport } from './transport/aedes.transport';
import { BridgeModule } from './bridge.module';
import { RequestLedger } from './verification/request-ledger';
import { VerificationRelay } from './verification/verification-relay';

/** Everything the bridge needs from outside. */
export interface BridgeDependencies {
  directory: DeviceDirectory;
  logger: Logger;
  clock?: Clock;
  replayCache?: ConnectReplayCache;
}

/** A running bridge. */
export interface RunningBridge {
  app: INestMicroservice;
  broker: BridgeBroker;
  metrics: BridgeMetrics;
  addresses: ListenerAddresses;
  close(): Promise<void>;
}

/**
 * Composition root of the MQTT bridge: builds the broker, the transport strategy and the Nest
 * module, and starts listening.
 * @example
 * const bridge = await startBridge(parseBridgeConfig(process.env), { directory, logger });
 * console.log(bridge.addresses.tcp);
 * await bridge.close();
 */
export async function startBridge(config: BridgeConfig, deps: BridgeDependencies): Promise<RunningBridge> {
  const clock = deps.clock ?? { now: () => Date.now() };
  const metrics = new BridgeMetrics();
  const broker = new BridgeBroker({
    config,
    directory: deps.directory,
    clock,
    logger: deps.logger,
    metrics,
    replayCache: deps.replayCache,
  });
  const relay = new VerificationRelay(new RequestLedger(clock, { retentionMs: 60 * 60_000, maxPerDevice: 256 }));
  const strategy = new AedesTransport({
    broker,
    metrics,
    logger: deps.logger,
    clock,
    messageBurstPerDevice: config.limits.messageBurstPerDevice,
    messageRatePerDevicePerSecond: config.limits.messageRatePerDevicePerSecond,
  });
  const app = await NestFactory.createMicroservice(BridgeModule.register({ relay, publisher: broker }), {
    strategy,
    logger: ['error', 'warn'],
  });
  await app.listen();
  return { app, broker, metrics, addresses: broker.addresses, close: () => app.close() };
}
