import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { BridgeRelay } from '@onboard/bridge-core';
import type { BridgeMessage, ResultAckMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';

/** `requests/result-ack`: a device confirms it processed a result; no answer. */
@Controller()
export class ResultAckHandler {
  constructor(private readonly relay: BridgeRelay) {}

  @MessagePattern('result-ack')
  handle(@Payload() message: ResultAckMessage, @Ctx() ctx: DeviceContext): Promise<BridgeMessage | undefined> {
    return this.relay.resultAck(ctx.device.deviceId, message);
  }
}
