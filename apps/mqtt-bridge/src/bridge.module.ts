import { Module, type DynamicModule } from '@nestjs/common';
import { CancelHandler } from './handlers/cancel.handler';
import { RefreshHandler } from './handlers/refresh.handler';
import { VerificationHandler } from './handlers/verification.handler';
import { VerificationRelay } from './verification/verification-relay';
import { DEVICE_PUBLISHER, type DevicePublisher } from './broker/bridge-broker';

/** What the composition root hands to the module. */
export interface BridgeModuleDependencies {
  relay: VerificationRelay;
  publisher: DevicePublisher;
}

/** The device message handlers, one per message type (STYLE §8). */
@Module({})
export class BridgeModule {
  static register(deps: BridgeModuleDependencies): DynamicModule {
    return {
      module: BridgeModule,
      controllers: [VerificationHandler, CancelHandler, RefreshHandler],
      providers: [
        { provide: VerificationRelay, useValue: deps.relay },
        { provide: DEVICE_PUBLISHER, useValue: deps.publisher },
      ],
    };
  }
}
