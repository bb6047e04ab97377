/** Injection tokens of the composition root. */

/** The validated ProviderConfig (from @onboard/config). */
export const PROVIDER_CONFIG = Symbol('PROVIDER_CONFIG');
/** The ProviderContext handed to every core handler. */
export const PROVIDER_CONTEXT = Symbol('PROVIDER_CONTEXT');
/** The PrometheusMetrics of this app instance (ctx.metrics, plus HTTP metrics and rendering). */
export const PROVIDER_METRICS = Symbol('PROVIDER_METRICS');
/** The JsonLogger of this app instance (ctx.logger). */
export const PROVIDER_LOGGER = Symbol('PROVIDER_LOGGER');
/** What createProviderApp was given to replace (tests): stores, clock, random, http, notifier. */
export const PROVIDER_OVERRIDES = Symbol('PROVIDER_OVERRIDES');
/** The OpenAPI document served at /openapi.json (built from the code, docs/openapi.yaml is its copy). */
export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');

/** The owner app's live channel (LiveChannel of @onboard/owner-auth). */
export const OWNER_LIVE_CHANNEL = Symbol('OWNER_LIVE_CHANNEL');
