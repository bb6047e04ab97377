import { EventEmitter } from 'node:events';
import type { VerificationStatus } from '@onboard/mqtt-contract';
import type { DeviceClientError } from '../errors';
import type { VerifiedTokens } from '../tokens/verify-token-response';

/** The provider accepted the request (CIBA §7.3): the owner is being asked. */
export interface VerificationAck {
  /** The provider's id of the request; the ID token's `auth_req_id` claim must equal it. */
  authReqId: string;
  /** Seconds until the request expires. */
  expiresIn: number;
}

/** Events of a {@link VerificationHandle}. */
export interface VerificationHandleEvents {
  /** Emitted once, when the bridge relays the provider's acknowledgement. */
  ack: [VerificationAck];
  /** Emitted when the request's state changes (`pending`, `approved`, `denied`, `expired`); information only. */
  status: [VerificationStatus];
}

/**
 * A verification request in flight, returned by `DeviceClient.requestOwnerVerification`. The
 * result is a promise of verified tokens; the events report progress.
 * @example
 * const handle = client.requestOwnerVerification({ loginHint: 'owner@example.com', bindingMessage: 'Pair car 7F3A', scope: 'openid' });
 * handle.on('ack', ({ expiresIn }) => screen.show(`Confirm on your phone (${expiresIn} s)`));
 * handle.on('status', (status) => screen.show(status));
 * cancelButton.onclick = () => handle.cancel();
 * const tokens = await handle.result; // rejects with DeviceClientError
 */
export class VerificationHandle extends EventEmitter<VerificationHandleEvents> {
  /** The device-chosen id of the request (docs/protocol.md §5). */
  readonly requestId: string;
  /** Resolves with the verified tokens, or rejects with a `DeviceClientError`. */
  readonly result: Promise<VerifiedTokens>;
  private ackInfo: VerificationAck | undefined;
  private lastStatus: VerificationStatus | undefined;
  private done = false;
  private resolveResult!: (tokens: VerifiedTokens) => void;
  private rejectResult!: (err: DeviceClientError) => void;

  /** @internal created by the client; `onCancel` withdraws the request. */
  constructor(
    requestId: string,
    private readonly onCancel: (handle: VerificationHandle) => void,
  ) {
    super();
    this.requestId = requestId;
    this.result = new Promise<VerifiedTokens>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // an application that never awaits the result must not crash on an unhandled rejection
    this.result.catch(() => undefined);
  }

  /** The provider's `auth_req_id`, once acknowledged. */
  get authReqId(): string | undefined {
    return this.ackInfo?.authReqId;
  }

  /** The last reported status, if any. */
  get status(): VerificationStatus | undefined {
    return this.lastStatus;
  }

  /** True once the result promise is settled. */
  get settled(): boolean {
    return this.done;
  }

  /**
   * Stops waiting: `result` rejects with `cancelled` at once and the bridge is told to drop the
   * request (a later approval is not delivered). CIBA has no cancellation at the provider, so the
   * owner may still see the prompt. Does nothing once the result is settled.
   */
  cancel(): void {
    if (!this.done) this.onCancel(this);
  }

  /** @internal */
  acknowledge(ack: VerificationAck): void {
    if (this.ackInfo || this.done) return;
    this.ackInfo = ack;
    this.emit('ack', ack);
    this.changeStatus('pending');
  }

  /** @internal */
  changeStatus(status: VerificationStatus): void {
    if (this.done || status === this.lastStatus) return;
    this.lastStatus = status;
    this.emit('status', status);
  }

  /** @internal */
  resolve(tokens: VerifiedTokens): void {
    if (this.done) return;
    this.done = true;
    this.resolveResult(tokens);
  }

  /** @internal */
  reject(err: DeviceClientError): void {
    if (this.done) return;
    this.done = true;
    this.rejectResult(err);
  }
}
