// Public API of @onboard/nest-http: the HTTP glue both Nest apps share (Fastify adapter, raw
// bodies, the exception filter, request hooks, the wire request/response of the cores). The
// only library that imports @nestjs/* (docs/architecture.md).
export * from './api-viewer';
export * from './controller-routes';
export * from './fastify-adapter';
export * from './http-error.filter';
export * from './request-hooks';
export * from './route-methods';
export * from './wire';
