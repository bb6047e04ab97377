import { mapBounded } from './concurrency';
import { publicJwksOf, type FleetCar, type FleetOwner } from './fleet';
import { callJson } from './http';
import type { OwnerEnrolment } from './owner/owner-actor';
import type { Target } from './target';

/** Devices per `POST /admin/v1/devices:import` call, and such calls at once. */
const IMPORT_CHUNK = 500;
const IMPORT_PARALLEL = 2;

interface ImportAnswer {
  registered: number;
  unchanged: number;
  failed: number;
  results: Array<{ line: number; device_id?: string; outcome: string; error?: string; error_description?: string }>;
}

/**
 * Registers the cars at the bridge through its bulk endpoint (`POST /admin/v1/devices:import`,
 * JSON lines); the bridge mirrors each one to the provider as a push-mode CIBA client. Cars
 * already registered with the same keys count as `unchanged`. Throws naming the first failure.
 */
export async function registerCars(
  target: Target,
  cars: readonly FleetCar[],
  onProgress?: (done: number) => void,
): Promise<{ registered: number; unchanged: number }> {
  if (!target.bridgeAdminToken) throw new Error('BRIDGE_ADMIN_TOKEN is needed to register cars at the bridge');
  const chunks: FleetCar[][] = [];
  for (let i = 0; i < cars.length; i += IMPORT_CHUNK) chunks.push(cars.slice(i, i + IMPORT_CHUNK));
  let registered = 0;
  let unchanged = 0;
  let done = 0;
  await mapBounded(chunks, IMPORT_PARALLEL, async (chunk) => {
    const text = chunk
      .map((car) => JSON.stringify({ device_id: car.deviceId, jwks: publicJwksOf(car), name: 'device-sim car' }))
      .join('\n');
    const answer = await callJson<ImportAnswer>(`${target.bridgeAdminUrl}/admin/v1/devices:import`, {
      method: 'POST',
      token: target.bridgeAdminToken,
      rawBody: { contentType: 'application/x-ndjson', text },
    });
    const failure = answer.results.find((r) => r.outcome === 'failed');
    if (failure)
      throw new Error(
        `the bridge refused car ${failure.device_id ?? `line ${failure.line}`}: ${failure.error} ${failure.error_description ?? ''}`.trim(),
      );
    registered += answer.registered;
    unchanged += answer.unchanged;
    done += chunk.length;
    onProgress?.(done);
  });
  return { registered, unchanged };
}

/** Synthetic owner addresses `owner-<n>.<tag>@sim.invalid` (RFC 2606 `.invalid`: never a real person's). */
export function ownerEmails(count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, i) => `owner-${i}.${tag}@sim.invalid`);
}

/** Creates one owner per address at the provider (admin API) and enrols each owner's phone through `enrolment`. */
export async function createOwners(
  target: Target,
  emails: readonly string[],
  enrolment: OwnerEnrolment,
  onProgress?: (done: number) => void,
): Promise<FleetOwner[]> {
  if (!target.providerAdminToken) throw new Error('ADMIN_TOKEN (the provider admin token) is needed to create owners');
  let done = 0;
  return mapBounded(emails, 16, async (email): Promise<FleetOwner> => {
    const owner = await callJson<{ sub: string }>(`${target.providerAdminUrl}/admin/v1/owners`, {
      method: 'POST',
      token: target.providerAdminToken,
      body: { email },
    });
    const phone = await enrolment.enrol(target, owner.sub);
    onProgress?.(++done);
    return { sub: owner.sub, email, ...phone };
  });
}
