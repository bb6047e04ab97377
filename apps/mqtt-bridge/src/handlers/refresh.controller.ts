import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { RefreshHandler } from '@onboard/bridge-core';
import type { BridgeMessage, RefreshMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';

/** `requests/refresh`: a device exchanges its refresh token over MQTT. */
@Controller()
export class RefreshController {
  constructor(private readonly handler: RefreshHandler) {}

  @MessagePattern('refresh')
  handle(@Payload() message: RefreshMessage, @Ctx() ctx: DeviceContext): Promise<BridgeMessage | undefined> {
    return this.handler.handle(ctx.device.deviceId, message);
  }
}
