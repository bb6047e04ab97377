import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { BridgeMessage, CancelMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';
import { VerificationRelay } from '../verification/verification-relay';

/** `requests/cancel`: a device stops waiting for one of its verification requests. */
@Controller()
export class CancelHandler {
  constructor(private readonly relay: VerificationRelay) {}

  @MessagePattern('cancel')
  handle(@Payload() message: CancelMessage, @Ctx() ctx: DeviceContext): Promise<BridgeMessage> {
    return this.relay.cancel(ctx.device, message);
  }
}
