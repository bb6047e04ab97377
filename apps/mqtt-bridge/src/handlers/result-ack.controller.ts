import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { ResultAckHandler } from '@onboard/bridge-core';
import type { ResultAckMessage } from '@onboard/mqtt-contract';
import { DeviceContext } from '../transport/device.context';

/** `requests/result-ack`: a device confirms it processed a result; never answered (the handler returns nothing, so nothing is published). */
@Controller()
export class ResultAckController {
  constructor(private readonly handler: ResultAckHandler) {}

  @MessagePattern('result-ack')
  handle(@Payload() message: ResultAckMessage, @Ctx() ctx: DeviceContext): Promise<undefined> {
    return this.handler.handle(ctx.device.deviceId, message);
  }
}
