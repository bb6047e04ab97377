import { Module, type DynamicModule } from '@nestjs/common';
import { BridgeRelay } from '@onboard/bridge-core';
import { CancelHandler } from './handlers/cancel.handler';
import { RefreshHandler } from './handlers/refresh.handler';
import { ResultAckHandler } from './handlers/result-ack.handler';
import { VerificationHandler } from './handlers/verification.handler';
import { DEVICE_PUBLISHER, type DevicePublisher } from './broker/bridge-broker';

/** What the composition root hands to the module. */
export interface BridgeModuleDependencies {
  relay: BridgeRelay;
  publisher: DevicePublisher;
}

/** The device message handlers, one per message type (STYLE §8). */
@Module({})
export class BridgeModule {
  static register(deps: BridgeModuleDependencies): DynamicModule {
    return {
      module: BridgeModule,
      controllers: [VerificationHandler, CancelHandler, RefreshHandler, ResultAckHandler],
      providers: [
        { provide: BridgeRelay, useValue: deps.relay },
        { provide: DEVICE_PUBLISHER, useValue: deps.publisher },
      ],
    };
  }
}
