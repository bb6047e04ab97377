import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { BridgeRelay } from '@onboard/bridge-core';
import type { BridgeMessage, CancelMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';

/** `requests/cancel`: a device stops waiting for one of its verification requests. */
@Controller()
export class CancelHandler {
  constructor(private readonly relay: BridgeRelay) {}

  @MessagePattern('cancel')
  handle(@Payload() message: CancelMessage, @Ctx() ctx: DeviceContext): Promise<BridgeMessage | undefined> {
    return this.relay.cancel(ctx.device.deviceId, message);
  }
}
