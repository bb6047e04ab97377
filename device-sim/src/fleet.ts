import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import type { CredentialExport } from '@onboard/soft-authenticator';
import { generateDeviceKeys, type DevicePrivateJwks, type DevicePublicJwks } from '@onboard/device-client';
import { mapBounded } from './concurrency';

/** Version of the fleet file format; a file of another version is refused. */
export const FLEET_FORMAT = 'onboard-device-sim/fleet@1';

/** One virtual head-unit: its device id and its two key pairs (private: keep the file 0600). */
export interface FleetCar {
  deviceId: string;
  /** Index of the owner (in {@link Fleet.owners}) the car asks for. */
  owner: number;
  keys: DevicePrivateJwks;
}

/** One virtual owner: the login hint cars send, and how the owner's phone signs in. */
export interface FleetOwner {
  sub: string;
  email: string;
  /** Bearer path: the phone's device credential for the owner-device API (secret). */
  credential?: string;
  /** Passkey path: the phone's passkey, enrolled from an invitation (holds its private key). */
  passkey?: FleetPasskey;
}

/** An owner's passkey as the fleet file keeps it, so that later runs sign in with it again. */
export interface FleetPasskey {
  /** The owner app's origin the passkey was made on (the invitation link's origin). */
  origin: string;
  /** The soft authenticator's credential store (`@onboard/soft-authenticator` export). */
  credentials: CredentialExport;
}

/** What `provision` saves and `run --fleet` reads. Holds private keys and credentials. */
export interface Fleet {
  format: typeof FLEET_FORMAT;
  createdAt: string;
  /** Where the fleet was registered; `embedded` fleets are re-registered on each run. */
  target: { providerUrl: string; bridgeAdminUrl: string; mqttUrl: string } | 'embedded';
  cars: FleetCar[];
  owners: FleetOwner[];
}

/** Public keys of a car, as registered at the bridge. */
export function publicJwksOf(car: FleetCar): DevicePublicJwks {
  const strip = ({ d: _d, ...rest }: Record<string, unknown>) => rest;
  return {
    keys: [strip(car.keys.signing as Record<string, unknown>), strip(car.keys.encryption as Record<string, unknown>)],
  } as DevicePublicJwks;
}

/**
 * Generates `cars` head-units (keys made as a head-unit makes them, by the device client package)
 * with device ids `sim-<fleet tag>-<n>`, each assigned to an owner round-robin.
 */
export async function generateCars(
  count: number,
  owners: number,
  onProgress?: (done: number) => void,
): Promise<FleetCar[]> {
  const tag = randomBytes(3).toString('hex');
  const width = String(Math.max(count - 1, 0)).length;
  let done = 0;
  return mapBounded(
    Array.from({ length: count }, (_, i) => i),
    32,
    async (i): Promise<FleetCar> => {
      const { privateJwks } = await generateDeviceKeys();
      onProgress?.(++done);
      return { deviceId: `sim-${tag}-${String(i).padStart(width, '0')}`, owner: i % owners, keys: privateJwks };
    },
  );
}

/** Writes the fleet file, readable by its owner only (it holds private keys and credentials). */
export async function saveFleet(path: string, fleet: Fleet): Promise<void> {
  await writeFile(path, JSON.stringify(fleet), { mode: 0o600 });
  await chmod(path, 0o600);
}

/** Reads a fleet file; throws a message naming the file and the problem. */
export async function loadFleet(path: string): Promise<Fleet> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the fleet file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const fleet = parsed as Partial<Fleet>;
  if (fleet?.format !== FLEET_FORMAT)
    throw new Error(`${path} is not a fleet file of this simulator (format ${FLEET_FORMAT} expected)`);
  if (!Array.isArray(fleet.cars) || !Array.isArray(fleet.owners) || fleet.owners.length === 0)
    throw new Error(`${path}: a fleet needs cars and at least one owner`);
  return fleet as Fleet;
}
