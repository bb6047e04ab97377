import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { replyTopic, requestTopic } from '@onboard/mqtt-contract';
import { DEFAULT_BROKER_LIMITS, parseBridgeConfig } from '../src/config/bridge-config';
import { connectBridge, prepareBridge, type RunningBridge } from '../src/create-bridge';
import { MemoryDeviceDirectory } from '../src/devices/memory-device-directory';
import {
  AUDIENCE,
  connectDevice,
  connectOutcome,
  createCapturingLogger,
  createDevice,
  nextMessage,
  type TestDevice,
} from './support/bridge-harness';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}

/**
 * One Nest application serving HTTP (on the Fastify adapter, as the apps do) and the MQTT transport
 * (a hybrid application); the bridge's production HTTP module takes the place of PingController.
 */
describe('the bridge as a Nest hybrid application', () => {
  let device: TestDevice;
  let app: INestApplication;
  let bridge: RunningBridge;
  let http: string;
  let mqttUrl: string;

  beforeAll(async () => {
    device = await createDevice('hu-hybrid');
    const logger = createCapturingLogger();
    const config = {
      ...parseBridgeConfig({ BRIDGE_MQTT_PORT: '0', BRIDGE_HOST: '127.0.0.1', BRIDGE_AUDIENCE: AUDIENCE }),
      limits: DEFAULT_BROKER_LIMITS,
    };
    const directory = new MemoryDeviceDirectory([
      { deviceId: device.deviceId, publicJwks: [device.publicJwk], status: 'active' },
    ]);
    const prepared = await prepareBridge(config, { directory, logger });
    @Module({ imports: [prepared.module], controllers: [PingController] })
    class HybridModule {}
    app = await NestFactory.create(HybridModule, new FastifyAdapter(), { logger: false });
    bridge = await connectBridge(app, prepared, logger);
    await app.listen(0, '127.0.0.1');
    http = await app.getUrl();
    mqttUrl = `mqtt://127.0.0.1:${bridge.addresses.tcp}`;
  });
  afterAll(() => bridge?.close());

  it('serves its HTTP routes and its device message handlers from one application', async () => {
    const res = await fetch(`${http.replace('[::1]', '127.0.0.1')}/ping`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });

    const client = await connectDevice(mqttUrl, device);
    await client.subscribeAsync(replyTopic(device.deviceId, 'error'), { qos: 1 });
    const answer = nextMessage(client, '/replies/error');
    await client.publishAsync(requestTopic(device.deviceId, 'cancel'), JSON.stringify({ request_id: 'r-none' }), {
      qos: 1,
    });
    expect((await answer).json).toMatchObject({ request_id: 'r-none', error: 'unknown_request' });
    await client.endAsync(true);
  });

  it('stops HTTP and MQTT together when the application closes', async () => {
    await bridge.close();
    expect(await connectOutcome(mqttUrl, { clientId: 'x' })).toBe('closed');
    await expect(fetch(`${http.replace('[::1]', '127.0.0.1')}/ping`)).rejects.toThrow();
  });
});
