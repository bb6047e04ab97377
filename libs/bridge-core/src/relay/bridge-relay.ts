import type { Clock, Logger } from '@onboard/platform';
import { ResultDelivery } from '../delivery/result-delivery';
import { PushExpiry } from '../expiry/push-expiry';
import { CancelHandler } from '../handlers/cancel.handler';
import { RefreshHandler } from '../handlers/refresh.handler';
import { ResultAckHandler } from '../handlers/result-ack.handler';
import { VerificationHandler } from '../handlers/verification.handler';
import { PushReceipt } from '../notify/push-receipt';
import type { DevicePublisher } from '../ports/device-publisher.port';
import type { ProviderClient } from '../ports/provider-client.port';
import type { RelayLedger } from '../ports/relay-ledger.port';
import { PendingPushes } from './pending-pushes';
import { RequestLedger } from './request-ledger';

/** What the relay needs from outside. */
export interface BridgeRelayDependencies {
  relays: RelayLedger;
  provider: ProviderClient;
  publisher: DevicePublisher;
  clock: Clock;
  logger: Logger;
  /** How long ledger entries are kept after their last change. Default 24 hours. */
  retentionMs?: number;
  /** Wait for the provider's push past an auth request's expiry; see {@link PushExpiry}. Default 60 seconds. */
  pushGraceMs?: number;
  /** How often requests waiting for a push are checked for expiry. Default 30 seconds. */
  expiryCheckIntervalMs?: number;
}

/** The handler of each device message type, by the type's topic level. */
export interface DeviceMessageHandlers {
  verification: VerificationHandler;
  cancel: CancelHandler;
  refresh: RefreshHandler;
  'result-ack': ResultAckHandler;
}

/**
 * The bridge's relay between devices and the provider (docs/protocol.md), as its parts: one
 * handler per device message type, the request ledger every message goes through first (so a
 * repeated or redelivered request never creates a second auth request), the receipt of the
 * provider's pushes, result delivery and the expiry of requests whose push never comes.
 */
export interface BridgeRelay {
  handlers: DeviceMessageHandlers;
  ledger: RequestLedger;
  /** The notification endpoint's logic (CIBA §10.3). */
  receipt: PushReceipt;
  delivery: ResultDelivery;
  expiry: PushExpiry;
  /** Stops the expiry timer (on shutdown); requests still waiting stay in the ledger. */
  close(): void;
}

/**
 * Builds the relay's parts over one ledger.
 *
 * @example
 * const relay = createBridgeRelay({ relays: store.relays, provider, publisher, clock, logger });
 * await relay.handlers.verification.handle('hu-7f3a', message); // the ack is published
 * await relay.receipt.receive('Bearer …', body); // { status: 204 }
 * relay.close(); // on shutdown
 */
export function createBridgeRelay(deps: BridgeRelayDependencies): BridgeRelay {
  const { provider, publisher, clock, logger } = deps;
  const ledger = new RequestLedger(deps.relays, clock, deps.retentionMs);
  const pending = new PendingPushes(ledger);
  const delivery = new ResultDelivery({ ledger, publisher, clock, logger });
  const expiry = new PushExpiry({
    ledger,
    pending,
    delivery,
    clock,
    logger,
    pushGraceMs: deps.pushGraceMs,
    checkIntervalMs: deps.expiryCheckIntervalMs,
  });
  return {
    handlers: {
      verification: new VerificationHandler({ ledger, pending, delivery, provider, publisher, clock, logger }),
      cancel: new CancelHandler({ ledger, pending }),
      refresh: new RefreshHandler({ ledger, pending, provider, logger }),
      'result-ack': new ResultAckHandler({ ledger }),
    },
    ledger,
    receipt: new PushReceipt({ ledger, pending, delivery, logger }),
    delivery,
    expiry,
    close: () => expiry.close(),
  };
}
