import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { BridgeMessage, RefreshMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';
import { VerificationRelay } from '../verification/verification-relay';

/** `requests/refresh`: a device exchanges its refresh token over MQTT. */
@Controller()
export class RefreshHandler {
  constructor(private readonly relay: VerificationRelay) {}

  @MessagePattern('refresh')
  handle(@Payload() message: RefreshMessage, @Ctx() ctx: DeviceContext): Promise<BridgeMessage> {
    return this.relay.refresh(ctx.device, message);
  }
}
