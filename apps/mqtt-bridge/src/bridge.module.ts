import { Module, type DynamicModule } from '@nestjs/common';
import {
  CancelHandler,
  RefreshHandler,
  ResultAckHandler,
  VerificationHandler,
  type BridgeRelay,
} from '@onboard/bridge-core';
import { CancelController } from './handlers/cancel.controller';
import { RefreshController } from './handlers/refresh.controller';
import { ResultAckController } from './handlers/result-ack.controller';
import { VerificationController } from './handlers/verification.controller';
import { DEVICE_PUBLISHER, type DevicePublisher } from './broker/bridge-broker';

/** What the composition root hands to the module. */
export interface BridgeModuleDependencies {
  relay: BridgeRelay;
  publisher: DevicePublisher;
}

/**
 * The device message handlers, one per message type (STYLE §8): Nest adapters
 * (`@MessagePattern` / `@EventPattern`) over the framework-free handlers of `@onboard/bridge-core`.
 * Import it into the bridge's HTTP application module and connect the MQTT transport
 * (`connectMicroservice`) for a hybrid application, or give it to `createMicroservice` alone.
 */
@Module({})
export class BridgeModule {
  static register(deps: BridgeModuleDependencies): DynamicModule {
    const { handlers } = deps.relay;
    return {
      module: BridgeModule,
      controllers: [VerificationController, CancelController, RefreshController, ResultAckController],
      providers: [
        { provide: VerificationHandler, useValue: handlers.verification },
        { provide: CancelHandler, useValue: handlers.cancel },
        { provide: RefreshHandler, useValue: handlers.refresh },
        { provide: ResultAckHandler, useValue: handlers['result-ack'] },
        { provide: DEVICE_PUBLISHER, useValue: deps.publisher },
      ],
    };
  }
}
