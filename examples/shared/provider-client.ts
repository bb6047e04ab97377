/**
 * How an example becomes a client of an Onboard provider, with nothing but the provider's
 * documented endpoints: it registers itself (Dynamic Client Registration with an initial
 * access token, or the admin API with the admin token that `npm start` keeps in
 * data/admin-tokens.json), keeps the registration in a file so a restart reuses it, and
 * discovers the provider with openid-client.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as oidc from 'openid-client';

export interface ProviderClientOptions {
  /** The provider's issuer, e.g. http://localhost:4000. */
  issuer: string;
  /** Registers through `POST /admin/v1/clients` with this token (wins over `initialAccessToken`). */
  adminToken?: string;
  /** Registers through `POST /register` (RFC 7591) with this initial access token. */
  initialAccessToken?: string;
  /** Where the registration is kept (client id and secret, mode 0600). */
  registrationFile: string;
  /** RFC 7591 metadata of this example (client_name, scope…); poll mode is added. */
  metadata: Record<string, unknown>;
}

interface Registration {
  issuer: string;
  client_id: string;
  client_secret: string;
}

/**
 * A registered, discovered client of the provider (openid-client Configuration).
 *
 * @example
 * const config = await connectToProvider({ issuer, adminToken, registrationFile, metadata: { client_name: 'Desk' } });
 * const started = await oidc.initiateBackchannelAuthentication(config, { scope: 'openid', login_hint });
 */
export async function connectToProvider(options: ProviderClientOptions): Promise<oidc.Configuration> {
  const issuer = options.issuer.replace(/\/+$/, '');
  let registration = readRegistration(options.registrationFile, issuer);
  if (registration && options.adminToken && !(await stillRegistered(issuer, registration, options.adminToken))) {
    registration = undefined;
  }
  if (!registration) {
    registration = await register(issuer, options);
    writeRegistration(options.registrationFile, registration);
  }
  const insecure = new URL(issuer).protocol === 'http:';
  return oidc.discovery(
    new URL(issuer),
    registration.client_id,
    undefined,
    oidc.ClientSecretBasic(registration.client_secret),
    // Only for the embedded default on http://localhost; a real provider is https.
    insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
  );
}

async function register(issuer: string, options: ProviderClientOptions): Promise<Registration> {
  const metadata = {
    ...options.metadata,
    grant_types: ['urn:openid:params:grant-type:ciba'],
    backchannel_token_delivery_mode: 'poll',
    token_endpoint_auth_method: 'client_secret_basic',
  };
  let url: string;
  let token: string;
  if (options.adminToken) {
    url = `${issuer}/admin/v1/clients`;
    token = options.adminToken;
  } else if (options.initialAccessToken) {
    const discovered: any = await call(`${issuer}/.well-known/openid-configuration`).then((r) => r.json());
    if (typeof discovered.registration_endpoint !== 'string') {
      throw new Error(`${issuer} offers no registration_endpoint`);
    }
    url = discovered.registration_endpoint;
    token = options.initialAccessToken;
  } else {
    throw new Error(
      'cannot register with the provider: set ADMIN_TOKEN (npm start keeps it in data/admin-tokens.json) or INITIAL_ACCESS_TOKEN',
    );
  }
  const res = await call(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  const body: any = await res.json().catch(() => ({}));
  if (res.status !== 201 || typeof body.client_id !== 'string' || typeof body.client_secret !== 'string') {
    throw new Error(
      `registration at ${url} failed: HTTP ${res.status} ${body.error ?? ''} ${body.error_description ?? ''}`,
    );
  }
  return { issuer, client_id: body.client_id, client_secret: body.client_secret };
}

async function stillRegistered(issuer: string, registration: Registration, adminToken: string): Promise<boolean> {
  const res = await call(`${issuer}/admin/v1/clients/${encodeURIComponent(registration.client_id)}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  if (res.status !== 200) return false;
  const client: any = await res.json();
  return client.disabled !== true;
}

/** fetch, with an error that names the provider when it cannot be reached. */
async function call(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`cannot reach the provider at ${new URL(url).origin} (${cause}); is it running (npm start)?`, {
      cause: error,
    });
  }
}

function readRegistration(file: string, issuer: string): Registration | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    return saved.issuer === issuer ? saved : undefined;
  } catch {
    return undefined;
  }
}

function writeRegistration(file: string, registration: Registration): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(registration, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * The admin token of a provider started with `npm start`: `ADMIN_TOKEN` from the
 * environment, else the one kept in `<dataDir>/admin-tokens.json`.
 */
export function adminTokenOf(env: NodeJS.ProcessEnv, dataDir: string): string | undefined {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const file = join(dataDir, 'admin-tokens.json');
  if (!existsSync(file)) return undefined;
  try {
    const token = JSON.parse(readFileSync(file, 'utf8')).ADMIN_TOKEN;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}
