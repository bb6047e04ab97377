import { BaseRpcContext } from '@nestjs/microservices';
import type { AuthenticatedDevice } from '../broker/device-authenticator';

/**
 * What a device message handler gets besides the message (`@Ctx()`): the device authenticated
 * at CONNECT, never a device id taken from the topic.
 */
export class DeviceContext extends BaseRpcContext<[AuthenticatedDevice, string]> {
  constructor(device: AuthenticatedDevice, topic: string) {
    super([device, topic]);
  }

  /** The authenticated device that published the message. */
  get device(): AuthenticatedDevice {
    return this.args[0];
  }

  /** The topic the message arrived on (already checked to be in the device's subtree). */
  get topic(): string {
    return this.args[1];
  }
}
