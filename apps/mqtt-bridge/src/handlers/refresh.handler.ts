import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { BridgeRelay } from '@onboard/bridge-core';
import type { BridgeMessage, RefreshMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';

/** `requests/refresh`: a device exchanges its refresh token over MQTT. */
@Controller()
export class RefreshHandler {
  constructor(private readonly relay: BridgeRelay) {}

  @MessagePattern('refresh')
  handle(@Payload() message: RefreshMessage, @Ctx() ctx: DeviceContext): Promise<BridgeMessage | undefined> {
    return this.relay.refresh(ctx.device.deviceId, message);
  }
}
