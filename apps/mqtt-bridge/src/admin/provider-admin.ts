import { describeFetchFailure } from './fetch-failure';

/** A provider admin API call failed; `status` 0 means the provider could not be reached. */
export class ProviderAdminError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description?: string,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'ProviderAdminError';
  }
}

/** One client of a {@link ProviderAdmin.registerClients} call. */
export type ClientRegistrationResult = { ok: true } | { ok: false; error: string; description?: string };

/**
 * Port to the provider's admin API (`/admin/v1`), through which the bridge mirrors its device
 * registry: every device is a CIBA client of the provider with client_id = device id.
 */
export interface ProviderAdmin {
  /** `POST /admin/v1/clients` with RFC 7591 metadata (and `client_id`). Throws {@link ProviderAdminError}. */
  registerClient(metadata: Record<string, unknown>): Promise<void>;
  /**
   * `POST /admin/v1/clients:import`: many clients in one call and one provider transaction, one
   * result per client in order. Throws {@link ProviderAdminError} when the call as a whole fails
   * (404 from a provider without the endpoint).
   */
  registerClients?(metadata: Record<string, unknown>[]): Promise<ClientRegistrationResult[]>;
  /**
   * `POST /admin/v1/clients/{id}/disable`: the provider then treats every token of the client as
   * inactive. An unknown client is not an error (there is nothing to disable). Throws
   * {@link ProviderAdminError}.
   */
  disableClient(clientId: string): Promise<void>;
}

export interface HttpProviderAdminOptions {
  /** The provider's base URL (its issuer), without a trailing slash. */
  providerUrl: string;
  /** The provider's ADMIN_TOKEN; without it every call fails with `provider_admin_not_configured`. */
  adminToken?: string;
  /** Per-call timeout (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * {@link ProviderAdmin} over HTTP with the provider's admin bearer token.
 * @example
 * const admin = new HttpProviderAdmin({ providerUrl: 'http://localhost:4000', adminToken });
 * await admin.disableClient('hu-7f3a');
 */
export class HttpProviderAdmin implements ProviderAdmin {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: HttpProviderAdminOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  async registerClient(metadata: Record<string, unknown>): Promise<void> {
    await this.call('POST', '/admin/v1/clients', metadata);
  }

  async registerClients(metadata: Record<string, unknown>[]): Promise<ClientRegistrationResult[]> {
    const answer = (await this.call('POST', '/admin/v1/clients:import', { clients: metadata })) as {
      results?: Array<{ outcome?: string; error?: string; error_description?: string }>;
    };
    const results = answer?.results;
    if (!Array.isArray(results) || results.length !== metadata.length)
      throw new ProviderAdminError(
        502,
        'provider_error',
        'the provider answered the import without a result per client',
      );
    return results.map((r) =>
      r.outcome === 'registered'
        ? { ok: true }
        : { ok: false, error: r.error ?? 'provider_error', description: r.error_description },
    );
  }

  async disableClient(clientId: string): Promise<void> {
    try {
      await this.call('POST', `/admin/v1/clients/${encodeURIComponent(clientId)}/disable`);
    } catch (err) {
      if (err instanceof ProviderAdminError && err.status === 404) return;
      throw err;
    }
  }

  /** One admin call; resolves with the parsed JSON answer (undefined when there is none). */
  private async call(method: string, path: string, body?: object): Promise<unknown> {
    const { adminToken, providerUrl } = this.options;
    if (!adminToken)
      throw new ProviderAdminError(0, 'provider_admin_not_configured', 'PROVIDER_ADMIN_TOKEN is not set');
    let res: Response;
    try {
      res = await this.fetch(providerUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new ProviderAdminError(0, 'provider_unreachable', describeFetchFailure(providerUrl + path, err));
    }
    const text = await res.text();
    if (res.ok) {
      try {
        return text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        return undefined;
      }
    }
    let error = `http_${res.status}`;
    let description: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: unknown; error_description?: unknown };
      if (typeof parsed.error === 'string') error = parsed.error;
      if (typeof parsed.error_description === 'string') description = parsed.error_description;
    } catch {
      // not JSON: the status says enough
    }
    throw new ProviderAdminError(res.status, error, description);
  }
}
