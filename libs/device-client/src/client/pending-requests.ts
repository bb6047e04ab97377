import type { ResultMessage } from '@onboard/mqtt-contract';
import type { DeviceClientError } from '../errors';
import type { RefreshedTokens, VerifiedTokens } from '../tokens/verify-token-response';
import type { VerificationHandle } from './verification-handle';

/** A result that carries tokens (status `approved` or `refreshed`, docs/protocol.md §6.6). */
export type TokenResultMessage = Extract<ResultMessage, { encryptedTokenResponse: string }>;

/** What every request in flight has, whatever its operation. */
interface PendingBase {
  readonly requestId: string;
  /** The scope asked for: the granted one when the provider does not echo it. */
  readonly scope: string;
  /** The acknowledgement or result deadline. */
  timer?: ReturnType<typeof setTimeout>;
  /** `temporarily_unavailable` answers so far (the retry backoff's attempt number). */
  retries: number;
  /** The MQTT payload of one publication, sealed to the bridge; made anew for each (fresh assertion and proof). */
  payload(): Promise<Buffer>;
  /** Decrypts the token response and verifies the ID token. @throws DeviceClientError */
  openTokens(message: TokenResultMessage): Promise<VerifiedTokens | RefreshedTokens>;
  resolve(tokens: VerifiedTokens | RefreshedTokens): void;
  reject(err: DeviceClientError): void;
}

/** A verification request in flight (operations/verification.ts). */
export interface PendingVerification extends PendingBase {
  readonly kind: 'verification';
  readonly handle: VerificationHandle;
  /** Set at the first publication: from then on the bridge may know it, so abandoning it sends a cancel. */
  published: boolean;
}

/** A refresh in flight (operations/refresh.ts). */
export interface PendingRefresh extends PendingBase {
  readonly kind: 'refresh';
}

export type PendingRequest = PendingVerification | PendingRefresh;

/** How many settled request ids are remembered for deduplication. */
const SETTLED_MEMORY = 1024;

/**
 * The requests in flight, by request id, and the ids recently settled: a result for a settled id
 * is a redelivery, only confirmed again (docs/protocol.md §5, exactly once).
 */
export class PendingRequests {
  private readonly pending = new Map<string, PendingRequest>();
  /** Request ids whose result was handed to the caller (or abandoned): later copies are only acknowledged. */
  private readonly settled = new Set<string>();

  get(requestId: string): PendingRequest | undefined {
    return this.pending.get(requestId);
  }

  add(entry: PendingRequest): void {
    this.pending.set(entry.requestId, entry);
  }

  /** True while `entry` is still the request in flight under its id. */
  isCurrent(entry: PendingRequest): boolean {
    return this.pending.get(entry.requestId) === entry;
  }

  wasSettled(requestId: string): boolean {
    return this.settled.has(requestId);
  }

  /** The requests in flight, in the order they were made. */
  all(): PendingRequest[] {
    return [...this.pending.values()];
  }

  /** Takes the request out (before any await, so a redelivery meanwhile is only acknowledged) and stops its timer. */
  take(requestId: string): PendingRequest | undefined {
    const entry = this.pending.get(requestId);
    if (!entry) return undefined;
    this.pending.delete(requestId);
    clearTimeout(entry.timer);
    this.remember(requestId);
    return entry;
  }

  /** Ends a request with an error; does nothing when it is no longer in flight. */
  fail(requestId: string, err: DeviceClientError): void {
    this.take(requestId)?.reject(err);
  }

  /** Remembers a settled id, forgetting the oldest beyond {@link SETTLED_MEMORY}. */
  remember(requestId: string): void {
    this.settled.add(requestId);
    if (this.settled.size > SETTLED_MEMORY) {
      this.settled.delete(this.settled.values().next().value as string);
    }
  }
}
