import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { BridgeRelay } from '@onboard/bridge-core';
import type { BridgeMessage, VerificationRequestMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';

/** `requests/verification`: a device asks for its owner's verification. */
@Controller()
export class VerificationHandler {
  constructor(private readonly relay: BridgeRelay) {}

  @MessagePattern('verification')
  handle(
    @Payload() message: VerificationRequestMessage,
    @Ctx() ctx: DeviceContext,
  ): Promise<BridgeMessage | undefined> {
    return this.relay.verification(ctx.device.deviceId, message);
  }
}
