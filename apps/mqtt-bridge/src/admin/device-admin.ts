import type { Clock, Logger } from '@onboard/platform';
import type { DeviceListQuery, DeviceRecord, DeviceRegistry, DeviceStatus } from '@onboard/bridge-core';
import { isValidDeviceId } from '@onboard/mqtt-contract';
import { checkDeviceJwks, sameKeys } from './device-jwks';
import { ProviderAdminError, type ProviderAdmin } from './provider-admin';

/** A refused admin operation; `code` and `status` are rendered by the admin routes. */
export class DeviceAdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
  ) {
    super(description);
    this.name = 'DeviceAdminError';
  }
}

/** What registering one device takes (camelCase; the routes parse the wire form). */
export interface DeviceRegistration {
  deviceId: unknown;
  jwks: unknown;
  name?: unknown;
}

/** `registered`: new at the bridge and the provider; `unchanged`: already registered with the same keys. */
export type RegistrationOutcome = 'registered' | 'unchanged';

/** One line of a bulk import, in file order. */
export type ImportLineResult =
  | { line: number; deviceId: string; outcome: RegistrationOutcome }
  | { line: number; deviceId?: string; outcome: 'failed'; error: string; errorDescription: string };

/** One entry of a bulk import: a registration, or why its line could not be read. */
export type ImportEntry = { line: number; registration: DeviceRegistration } | { line: number; problem: string };

/** Closes a device's live MQTT connection (the embedded broker); a no-op where there is none. */
export interface DeviceConnections {
  disconnect(deviceId: string): unknown;
}

export interface DeviceAdminDependencies {
  registry: DeviceRegistry;
  provider: ProviderAdmin;
  connections: DeviceConnections;
  clock: Clock;
  logger: Logger;
  /** The bridge's CIBA notification endpoint (BRIDGE_PUBLIC_URL + /ciba/notify). */
  notificationEndpoint: string;
  /** Provider calls at once during an import. */
  concurrency: number;
}

const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
/** New devices per bulk registration call at the provider (it takes up to 1,000). */
export const PROVIDER_IMPORT_CHUNK = 500;
const MAX_NAME_LENGTH = 100;

/**
 * Device registration and revocation (issue 3 §1). The bridge's registry is the source of truth;
 * every device is mirrored at the provider as a CIBA client (client_id = device id) in push mode,
 * authenticating with private_key_jwt, signing its requests, with DPoP-bound tokens and token
 * responses encrypted to its X25519 key.
 */
export class DeviceAdmin {
  /** Whether the provider takes bulk registrations (false after it answered 404 to one). */
  private bulkAtProvider = true;

  constructor(private readonly deps: DeviceAdminDependencies) {}

  /**
   * Registers a device at the provider, then stores it at the bridge. Registering the same device
   * again with the same keys is harmless (`unchanged`); with other keys, or after a disable or
   * revoke, it is refused (409 `device_exists`).
   */
  async register(input: DeviceRegistration): Promise<{ outcome: RegistrationOutcome; device: DeviceRecord }> {
    const { deviceId, keys, name } = await this.check(input);
    const existing = await this.existing(deviceId, keys);
    if (existing) return { outcome: 'unchanged', device: existing };
    try {
      await this.deps.provider.registerClient(this.clientMetadata(deviceId, keys, name));
    } catch (err) {
      throw providerFailure(err, 'the device was not registered');
    }
    const now = this.deps.clock.now();
    const device: DeviceRecord = { deviceId, publicJwks: keys, status: 'active', createdAt: now, updatedAt: now };
    await this.deps.registry.save(device);
    this.deps.logger.info('device registered', { deviceId });
    return { outcome: 'registered', device };
  }

  /**
   * Registers many devices (a fleet file). Never throws for one bad line: each line gets its own
   * result, in file order. A device id repeated in the file fails on its later lines. The lines
   * are checked and looked up `concurrency` at a time; the new devices then reach the provider
   * in chunks of {@link PROVIDER_IMPORT_CHUNK} through its bulk registration (one call and one
   * provider transaction per chunk), or one call each where the provider has no such endpoint.
   */
  async import(entries: ImportEntry[]): Promise<ImportLineResult[]> {
    const seen = new Set<string>();
    const repeated = new Set<number>();
    for (const entry of entries) {
      if ('problem' in entry) continue;
      const id = entry.registration.deviceId;
      if (!isValidDeviceId(id)) continue;
      if (seen.has(id)) repeated.add(entry.line);
      seen.add(id);
    }
    const fresh: { slot: number; deviceId: string; keys: object[]; name?: string }[] = [];
    const slots = entries.map((entry, slot) => ({ entry, slot }));
    const results = await mapBounded(
      slots,
      this.deps.concurrency,
      async ({ entry, slot }): Promise<ImportLineResult> => {
        const { line } = entry;
        if ('problem' in entry)
          return { line, outcome: 'failed', error: 'invalid_request', errorDescription: entry.problem };
        // an invalid id is not echoed: it could be anything, a VIN included
        const id = isValidDeviceId(entry.registration.deviceId) ? entry.registration.deviceId : undefined;
        if (repeated.has(line))
          return { line, deviceId: id, outcome: 'failed', error: 'duplicate', errorDescription: 'device id repeated' };
        try {
          const { deviceId, keys, name } = await this.check(entry.registration);
          const existing = await this.existing(deviceId, keys);
          if (existing) return { line, deviceId, outcome: 'unchanged' };
          fresh.push({ slot, deviceId, keys, name });
          return { line, deviceId, outcome: 'registered' };
        } catch (err) {
          if (!(err instanceof DeviceAdminError)) throw err;
          return { line, deviceId: id, outcome: 'failed', error: err.code, errorDescription: err.message };
        }
      },
    );
    fresh.sort((a, b) => a.slot - b.slot);
    for (let at = 0; at < fresh.length; at += PROVIDER_IMPORT_CHUNK) {
      const chunk = fresh.slice(at, at + PROVIDER_IMPORT_CHUNK);
      const outcomes = await this.registerAtProvider(chunk);
      const now = this.deps.clock.now();
      for (const [i, { slot, deviceId, keys }] of chunk.entries()) {
        const outcome = outcomes[i];
        if (outcome !== undefined) {
          results[slot] = {
            line: entries[slot].line,
            deviceId,
            outcome: 'failed',
            error: outcome.code,
            errorDescription: outcome.message,
          };
          continue;
        }
        await this.deps.registry.save({ deviceId, publicJwks: keys, status: 'active', createdAt: now, updatedAt: now });
        this.deps.logger.info('device registered', { deviceId });
      }
    }
    return results;
  }

  /** The device when registered already with the same keys; 409 `device_exists` with others. */
  private async existing(deviceId: string, keys: object[]): Promise<DeviceRecord | undefined> {
    const existing = await this.deps.registry.find(deviceId);
    if (!existing) return undefined;
    if (existing.status === 'active' && sameKeys(existing.publicJwks, keys)) return existing;
    throw new DeviceAdminError(409, 'device_exists', `device ${deviceId} is already registered (${existing.status})`);
  }

  /**
   * Mirrors a chunk of new devices at the provider: in one bulk call where the provider offers
   * it, else one call each (`concurrency` at a time). Resolves, per device in chunk order, with
   * undefined (registered) or the error that refused it.
   */
  private async registerAtProvider(
    chunk: readonly { deviceId: string; keys: object[]; name?: string }[],
  ): Promise<(DeviceAdminError | undefined)[]> {
    const metadata = chunk.map(({ deviceId, keys, name }) => this.clientMetadata(deviceId, keys, name));
    const { provider } = this.deps;
    if (provider.registerClients && this.bulkAtProvider) {
      try {
        const answers = await provider.registerClients(metadata);
        return answers.map((a) =>
          a.ok
            ? undefined
            : providerFailure(new ProviderAdminError(400, a.error, a.description), 'the device was not registered'),
        );
      } catch (err) {
        if (!(err instanceof ProviderAdminError)) throw err;
        // a provider from before the bulk endpoint: one registration per device from now on
        if (err.status === 404) this.bulkAtProvider = false;
        else return chunk.map(() => providerFailure(err, 'the device was not registered'));
      }
    }
    return mapBounded(metadata, this.deps.concurrency, async (m) => {
      try {
        await provider.registerClient(m);
        return undefined;
      } catch (err) {
        return providerFailure(err, 'the device was not registered');
      }
    });
  }

  /** Disables a device: refused at CONNECT, disconnected now, its client disabled at the provider. */
  disable(deviceId: string): Promise<DeviceRecord> {
    return this.changeStatus(deviceId, 'disabled');
  }

  /** Revokes a device for good: like {@link disable}, and it cannot be disabled or registered again. */
  revoke(deviceId: string): Promise<DeviceRecord> {
    return this.changeStatus(deviceId, 'revoked');
  }

  /** One device; 404 `not_found` when unknown. */
  async get(deviceId: string): Promise<DeviceRecord> {
    const device = await this.deps.registry.find(deviceId);
    if (!device) throw new DeviceAdminError(404, 'not_found', 'unknown device');
    return device;
  }

  /** A page of devices ordered by id. */
  list(query: DeviceListQuery): Promise<DeviceRecord[]> {
    return this.deps.registry.list(query);
  }

  private async changeStatus(deviceId: string, status: Exclude<DeviceStatus, 'active'>): Promise<DeviceRecord> {
    const device = await this.get(deviceId);
    if (device.status === 'revoked' && status === 'disabled')
      throw new DeviceAdminError(409, 'device_revoked', 'a revoked device stays revoked');
    const now = this.deps.clock.now();
    // Order matters: the registry refuses the next CONNECT before the live connection is closed.
    if (device.status !== status) await this.deps.registry.setStatus(deviceId, status, now);
    this.deps.connections.disconnect(deviceId);
    this.deps.logger.info(`device ${status}`, { deviceId });
    try {
      // Repeating a disable/revoke retries this call: the provider may have been down the first time.
      await this.deps.provider.disableClient(deviceId);
    } catch (err) {
      throw providerFailure(err, `the device is ${status} at the bridge; repeat the request to update the provider`);
    }
    return { ...device, status, updatedAt: device.status !== status ? now : device.updatedAt };
  }

  private async check(input: DeviceRegistration) {
    const { deviceId, name } = input;
    if (!isValidDeviceId(deviceId))
      throw new DeviceAdminError(400, 'invalid_request', 'device_id must be 1-64 characters of A-Z a-z 0-9 _ -');
    if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH))
      throw new DeviceAdminError(400, 'invalid_request', `name must be a string of 1-${MAX_NAME_LENGTH} characters`);
    const checked = await checkDeviceJwks(input.jwks);
    if (typeof checked === 'string') throw new DeviceAdminError(400, 'invalid_request', checked);
    return { deviceId, keys: [checked.sig, checked.enc], name: name as string | undefined };
  }

  /** The device's client metadata at the provider (issue 3, "Registration"). */
  private clientMetadata(deviceId: string, keys: object[], name: string | undefined): Record<string, unknown> {
    return {
      client_id: deviceId,
      ...(name !== undefined ? { client_name: name } : {}),
      grant_types: [CIBA_GRANT, 'refresh_token'],
      token_endpoint_auth_method: 'private_key_jwt', // RFC 7523 §2.2
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys },
      backchannel_token_delivery_mode: 'push', // CIBA §10.3
      backchannel_client_notification_endpoint: this.deps.notificationEndpoint,
      backchannel_authentication_request_signing_alg: 'ES256', // CIBA §7.1.1 signed request objects
      dpop_bound_access_tokens: true, // RFC 9449 §5.2
      // ES256 ID tokens, as the device signs: an RSA signature costs the provider ~30x the CPU.
      id_token_signed_response_alg: 'ES256',
      token_response_encryption_alg: 'ECDH-ES+A256KW',
      token_response_encryption_enc: 'A256GCM',
    };
  }
}

function providerFailure(err: unknown, consequence: string): DeviceAdminError {
  if (!(err instanceof ProviderAdminError)) throw err;
  if (err.status === 0) return new DeviceAdminError(503, err.error, `${err.message}; ${consequence}`);
  return new DeviceAdminError(502, 'provider_error', `the provider refused (${err.message}); ${consequence}`);
}

/** Maps `items` with at most `limit` calls of `fn` running at once; results keep the input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
