import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { VerificationHandler } from '@onboard/bridge-core';
import type { BridgeMessage, VerificationRequestMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';

/** `requests/verification`: a device asks for its owner's verification. */
@Controller()
export class VerificationController {
  constructor(private readonly handler: VerificationHandler) {}

  @MessagePattern('verification')
  handle(
    @Payload() message: VerificationRequestMessage,
    @Ctx() ctx: DeviceContext,
  ): Promise<BridgeMessage | undefined> {
    return this.handler.handle(ctx.device.deviceId, message);
  }
}
