import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CancelHandler } from '@onboard/bridge-core';
import type { BridgeMessage, CancelMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';

/** `requests/cancel`: a device stops waiting for one of its verification requests. */
@Controller()
export class CancelController {
  constructor(private readonly handler: CancelHandler) {}

  @MessagePattern('cancel')
  handle(@Payload() message: CancelMessage, @Ctx() ctx: DeviceContext): Promise<BridgeMessage> {
    return this.handler.handle(ctx.device.deviceId, message);
  }
}
