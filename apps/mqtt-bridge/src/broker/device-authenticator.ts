import type { Clock, Logger } from '@onboard/platform';
import {
  CONNACK,
  type AuthenticatedDevice,
  type AuthenticationOutcome,
  type ConnectAttempt,
  type DeviceHooks,
} from '@onboard/bridge-core';
import { ConnectCredentialError, isValidDeviceId, verifyConnectCredential } from '@onboard/mqtt-contract';
import { certificateIdentifiesDevice, type PresentedCertificate } from '../devices/device-certificate';
import type { DeviceDirectory, DeviceRecord } from '../devices/device-directory.port';
import type { ConnectReplayCache } from './connect-replay-cache';
import type { ConnectRefusal } from './bridge-metrics';

export { CONNACK };
export type { AuthenticatedDevice, AuthenticationOutcome };

export interface DeviceAuthenticatorOptions {
  audience: string;
  clockToleranceSeconds: number;
}

/**
 * The default `authenticate` hook (STYLE §13; docs/bridge.md, "Device hooks"), run on every
 * CONNECT after the rate limits. The client id is the device id; the password is a connect
 * credential (see `verifyConnectCredential`); the user name must equal the client id. Without a
 * password, a client certificate of a mutual-TLS connection may identify the device instead.
 * Returns the authenticated device, or the CONNACK return code and reason to refuse with; the
 * broker counts and logs every refusal, never with the credential.
 */
export class DeviceAuthenticator {
  constructor(
    private readonly directory: DeviceDirectory,
    private readonly replay: ConnectReplayCache,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: DeviceAuthenticatorOptions,
  ) {}

  /** The hook itself, bound to this authenticator. */
  readonly authenticate: DeviceHooks['authenticate'] = (attempt: ConnectAttempt) =>
    this.decide(attempt.clientId, attempt.username, attempt.password, attempt.certificate);

  private async decide(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
    certificate?: PresentedCertificate,
  ): Promise<AuthenticationOutcome> {
    if (!isValidDeviceId(clientId)) return refuse(CONNACK.identifierRejected, 'invalid_client_id');
    // Mutual TLS: a client certificate and no password (a password always takes the credential path).
    if (certificate && (!password || password.length === 0))
      return this.decideByCertificate(clientId, username, certificate);
    // MQTT 3.1.1 carries a password only together with a user name [MQTT-3.1.2-22]: both are required.
    if (username !== clientId) return refuse(CONNACK.badUsernameOrPassword, 'username_mismatch');
    if (!password || password.length === 0) return refuse(CONNACK.badUsernameOrPassword, 'missing_credential');
    const record = await this.findDevice(clientId);
    if ('ok' in record) return record;
    let verified;
    try {
      verified = await verifyConnectCredential(password.toString('latin1'), {
        deviceId: clientId,
        publicKeys: record.publicJwks,
        audience: this.options.audience,
        now: this.clock.now(),
        clockToleranceSeconds: this.options.clockToleranceSeconds,
      });
    } catch (err) {
      if (err instanceof ConnectCredentialError) return refuse(CONNACK.badUsernameOrPassword, err.problem);
      throw err;
    }
    // Status is checked after the signature, so that only the device itself learns it is disabled.
    const inactive = statusRefusal(record);
    if (inactive) return inactive;
    if (!(await this.replay.useOnce(`${clientId}:${verified.jti}`, verified.expiresAt))) {
      return refuse(CONNACK.badUsernameOrPassword, 'replayed_credential');
    }
    return { ok: true, device: { deviceId: clientId } };
  }

  /** The device's record, or the refusal when it is unknown or the directory fails. */
  private async findDevice(clientId: string): Promise<DeviceRecord | AuthenticationOutcome> {
    let record;
    try {
      record = await this.directory.find(clientId);
    } catch (err) {
      this.logger.error('device directory failed', { error: err instanceof Error ? err.message : 'unknown' });
      return refuse(CONNACK.serverUnavailable, 'directory_unavailable');
    }
    return record ?? refuse(CONNACK.badUsernameOrPassword, 'unknown_device');
  }

  /** Mutual TLS (see `certificateIdentifiesDevice`): the same directory and status rules, no credential. */
  private async decideByCertificate(
    clientId: string,
    username: string | undefined,
    certificate: PresentedCertificate,
  ): Promise<AuthenticationOutcome> {
    if (username !== undefined && username !== clientId)
      return refuse(CONNACK.badUsernameOrPassword, 'username_mismatch');
    const record = await this.findDevice(clientId);
    if ('ok' in record) return record;
    if (!certificateIdentifiesDevice(certificate, clientId, record.publicJwks, this.clock.now()))
      return refuse(CONNACK.badUsernameOrPassword, 'certificate_mismatch');
    const inactive = statusRefusal(record);
    if (inactive) return inactive;
    return { ok: true, device: { deviceId: clientId } };
  }
}

function refuse(returnCode: (typeof CONNACK)[keyof typeof CONNACK], reason: ConnectRefusal): AuthenticationOutcome {
  return { ok: false, returnCode, reason };
}

/** A disabled or revoked device is refused whichever way it authenticated. */
function statusRefusal(record: DeviceRecord): AuthenticationOutcome | undefined {
  if (record.status === 'disabled') return refuse(CONNACK.notAuthorized, 'device_disabled');
  if (record.status === 'revoked') return refuse(CONNACK.notAuthorized, 'device_revoked');
  return undefined;
}
