// Public API of @onboard/observability: structured JSON logs and Prometheus metrics.
export * from './redact';
export * from './json-logger';
export * from './prometheus-metrics';
export * from './metrics-endpoint';
