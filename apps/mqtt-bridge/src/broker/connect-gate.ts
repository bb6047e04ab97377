import type { TLSSocket } from 'node:tls';
import type { Client } from 'aedes';
import type { DeviceHooks } from '@onboard/bridge-core';
import { SourceFailures, createMemoryLimitStore, type Clock, type LimitStore, type Logger } from '@onboard/platform';
import { isValidDeviceId } from '@onboard/mqtt-contract';
import type { BrokerLimits } from '../config/bridge-config';
import type { PresentedCertificate } from '../devices/device-certificate';
import type { BridgeMetrics, ConnectRefusal } from './bridge-metrics';
import { CONNACK, type AuthenticationOutcome } from './device-authenticator';
import { TokenBucketLimiter } from './token-bucket';

export interface ConnectGateDependencies {
  limits: BrokerLimits;
  /** The `authenticate` device hook (the default or the integrator's). */
  authenticate: DeviceHooks['authenticate'];
  clock: Clock;
  logger: Logger;
  metrics: BridgeMetrics;
  /** Counters of refused credentials per remote address (the store's, shared by replicas); default in memory. */
  limitStore?: LimitStore;
}

/** Refusals that say the credential was wrong: counted against the remote address. */
const GUESSES: ReadonlySet<ConnectRefusal> = new Set<ConnectRefusal>([
  'invalid_client_id',
  'username_mismatch',
  'missing_credential',
  'unknown_device',
  'replayed_credential',
  'malformed',
  'bad_signature',
  'expired',
  'invalid_claims',
  'lifetime_too_long',
  'certificate_mismatch',
]);

/**
 * Who may connect to the embedded broker: the connection rate limits per remote address and per
 * client id (aedes' `preConnect`, before any credential work), then the `authenticate` hook under
 * the limit on refused credentials per remote address (README, "Limits"). Whatever the hook,
 * every refusal is counted and logged without the credential.
 */
export class ConnectGate {
  private readonly perIp: TokenBucketLimiter;
  private readonly perClientId: TokenBucketLimiter;
  private readonly failures: SourceFailures;

  constructor(private readonly deps: ConnectGateDependencies) {
    const { limits } = deps;
    this.perIp = new TokenBucketLimiter(deps.clock, {
      capacity: limits.connectBurstPerIp,
      refillPerSecond: limits.connectRatePerIpPerSecond,
    });
    this.perClientId = new TokenBucketLimiter(deps.clock, {
      capacity: limits.connectBurstPerClientId,
      refillPerSecond: limits.connectRatePerClientIdPerSecond,
    });
    this.failures = new SourceFailures(
      (deps.limitStore ?? createMemoryLimitStore()).limiter({
        name: 'bridge_auth_mqtt',
        points: limits.authFailuresPerSource,
        windowSeconds: limits.authFailureWindowSeconds,
        blockSeconds: limits.authBlockSeconds,
      }),
    );
  }

  /** Connection rate limits per remote address and per client id (before any credential work). */
  admit(remoteAddress: string | undefined, clientId: string): boolean {
    const ip = remoteAddress ?? 'unknown';
    if (this.perIp.take(ip) && this.perClientId.take(clientId)) return true;
    this.deps.metrics.countConnectionRateLimited();
    this.deps.logger.warn('mqtt connection rate limited', { remoteAddress: ip });
    return false;
  }

  /**
   * Device authentication under the limit on refused credentials per remote address: a blocked
   * address gets CONNACK 3 (server unavailable: devices back off and retry) before its credential
   * is looked at, so a blocked guesser learns nothing, not even from a right guess; each
   * credential refused as wrong counts against the address. A hook's device that is not the
   * connecting client id is refused with CONNACK 2 (replies are addressed by client id).
   */
  async authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    remoteAddress: string | undefined,
  ): Promise<AuthenticationOutcome> {
    const { metrics, logger } = this.deps;
    if (remoteAddress !== undefined && !(await this.failures.check(remoteAddress)).allowed) {
      metrics.countConnectRefusal('source_blocked');
      logger.warn('mqtt connect refused', { reason: 'source_blocked', remoteAddress });
      return { ok: false, returnCode: CONNACK.serverUnavailable, reason: 'source_blocked' };
    }
    const certificate = peerCertificate(client);
    const decided = await this.deps.authenticate({
      clientId: client.id,
      username,
      password,
      remoteAddress,
      ...(certificate ? { certificate } : {}),
    });
    const outcome: AuthenticationOutcome =
      decided.ok && decided.device.deviceId !== client.id
        ? { ok: false, returnCode: CONNACK.identifierRejected, reason: 'invalid_client_id' }
        : decided;
    if (outcome.ok) {
      logger.debug('mqtt device connected', { deviceId: outcome.device.deviceId, remoteAddress });
      return outcome;
    }
    metrics.countConnectRefusal(outcome.reason);
    logger.warn('mqtt connect refused', {
      // an invalid client id is not echoed: it could be anything, including personal data
      deviceId: isValidDeviceId(client.id) ? client.id : undefined,
      reason: outcome.reason,
      returnCode: outcome.returnCode,
      remoteAddress,
    });
    if (remoteAddress !== undefined && GUESSES.has(outcome.reason)) {
      const state = await this.failures.fail(remoteAddress);
      if (!state.allowed) logger.warn('mqtt connect source blocked', { remoteAddress });
    }
    return outcome;
  }
}

/** The client certificate of a mutual-TLS connection, if the device sent one. */
function peerCertificate(client: Client): PresentedCertificate | undefined {
  const socket = client.conn as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.raw) return undefined;
  return { raw: peer.raw, authorized: socket.authorized === true };
}
