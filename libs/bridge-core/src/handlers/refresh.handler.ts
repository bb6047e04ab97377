import type { Logger } from '@onboard/platform';
import type { BridgeMessage, RefreshMessage } from '@onboard/mqtt-contract';
import type { ProviderClient } from '../ports/provider-client.port';
import type { RelayOutcome, RelayRecord } from '../ports/relay-ledger.port';
import { callProvider } from '../relay/call-provider';
import { fingerprint } from '../relay/fingerprint';
import type { PendingPushes } from '../relay/pending-pushes';
import { errorOutcome, resultMessage } from '../relay/provider-outcome';
import { reused, unavailable } from '../relay/replies';
import type { RequestLedger } from '../relay/request-ledger';
import type { DeviceMessageHandler } from './device-message-handler';

export interface RefreshHandlerDependencies {
  ledger: RequestLedger;
  pending: PendingPushes;
  provider: ProviderClient;
  logger: Logger;
}

/**
 * `requests/refresh` (docs/protocol.md §6.3): the refresh token grant (RFC 6749 §6) relayed once
 * per request id to the token endpoint with the device's client assertion and DPoP proof; the
 * encrypted token response or the error is stored and returned for `replies/result`. A repeat gets
 * the stored result; a refresh is not cancellable.
 *
 * @example
 * const result = await refresh.handle('hu-7f3a', message); // { type: 'result', status: 'refreshed', … }
 */
export class RefreshHandler implements DeviceMessageHandler<RefreshMessage> {
  constructor(private readonly deps: RefreshHandlerDependencies) {}

  async handle(deviceId: string, message: RefreshMessage): Promise<BridgeMessage | undefined> {
    const contentHash = fingerprint(message.refreshToken);
    const claim = await this.deps.ledger.claim({
      deviceId,
      requestId: message.requestId,
      kind: 'refresh',
      fingerprint: contentHash,
    });
    if (claim.outcome === 'token_in_use') throw new Error('a refresh has no notification token');
    if (claim.outcome === 'exists') {
      if (claim.record.kind !== 'refresh' || claim.record.fingerprint !== contentHash) return reused(message);
      return this.replay(claim.record, message);
    }
    return this.relay(deviceId, message);
  }

  private async relay(deviceId: string, message: RefreshMessage): Promise<BridgeMessage | undefined> {
    const { requestId } = message;
    const done = this.deps.ledger.begin(deviceId, requestId);
    try {
      const answer = await callProvider(this.deps, { deviceId, requestId }, () =>
        this.deps.provider.refresh({
          clientId: deviceId,
          refreshToken: message.refreshToken,
          clientAssertion: message.clientAssertion,
          ...(message.dpop === undefined ? {} : { dpop: message.dpop }),
        }),
      );
      if (answer === 'unavailable') return unavailable(requestId);
      const outcome: RelayOutcome = answer.ok
        ? { status: 'refreshed', encryptedTokenResponse: answer.value.encryptedTokenResponse }
        : errorOutcome(answer.error, answer.errorDescription);
      await this.deps.ledger.storeOutcome(deviceId, requestId, outcome);
      return resultMessage({ requestId, outcome } as RelayRecord & { outcome: RelayOutcome });
    } finally {
      done();
    }
  }

  private async replay(record: RelayRecord, message: RefreshMessage): Promise<BridgeMessage | undefined> {
    if (record.state === 'relayed') {
      const running = this.deps.ledger.settled(record.deviceId, record.requestId);
      if (!running) return this.relay(record.deviceId, message);
      await running;
      const current = await this.deps.ledger.find(record.deviceId, record.requestId);
      return current ? this.replay(current, message) : this.handle(record.deviceId, message);
    }
    return record.outcome ? resultMessage({ ...record, outcome: record.outcome }) : undefined;
  }
}
