import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { BridgeMessage, VerificationRequestMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';
import { VerificationRelay } from '../verification/verification-relay';

/** `requests/verification`: a device asks for its owner's verification. */
@Controller()
export class VerificationHandler {
  constructor(private readonly relay: VerificationRelay) {}

  @MessagePattern('verification')
  handle(@Payload() message: VerificationRequestMessage, @Ctx() ctx: DeviceContext): Promise<BridgeMessage> {
    return this.relay.request(ctx.device, message);
  }
}
