// Public API of @onboard/platform: what every Onboard service shares, framework-free.

// --- logging ---
export * from './logger/logger.port';
export * from './logger/logger';
export * from './logger/redact';
export * from './logger/request-id';

// --- time and randomness ---
export * from './clock/clock.port';
export * from './random/random.port';
export * from './random/node-random';

// --- a small cache for values that repeat ---
export * from './cache/bounded-memo';

// --- metrics ---
export * from './metrics/prometheus-metrics';
export * from './metrics/metrics-endpoint';

// --- outbound HTTP and its server-side request forgery guard ---
export * from './http-client/http-client.port';
export * from './http-client/undici-http-client';
export * from './http-client/http-client-double';
export * from './outbound/outbound-guard';

// --- guessing and flooding limits ---
export * from './limits/limit-store.port';
export * from './limits/flexible-limit-store';
export * from './limits/source-failures';

// --- HTTP errors, headers and request bodies ---
export * from './errors/api-error';
export * from './errors/render-api-error';
export * from './http/security-headers';
export * from './schema/validate';
export { Type, type Static, type TSchema } from 'typebox';
