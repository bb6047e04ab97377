import { DEVICE_STATUSES } from '@onboard/bridge-core';
import { BRIDGE_ADMIN_BODIES } from '../admin/admin-body';

/** A request body's JSON Schema as the document shows it: the schema the endpoint validates with. */
function body(schema: object): Record<string, unknown> {
  return { ...(JSON.parse(JSON.stringify(schema)) as Record<string, unknown>), additionalProperties: false };
}

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' }, error_description: { type: 'string' } },
};
const DEVICE = {
  type: 'object',
  required: ['device_id', 'status', 'jwks', 'created_at', 'updated_at'],
  properties: {
    device_id: { type: 'string' },
    status: { type: 'string', enum: [...DEVICE_STATUSES] },
    jwks: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object' } } } },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = (...codes: string[]) =>
  Object.fromEntries(codes.map((code) => [code, json({ $ref: '#/components/schemas/Error' }, 'An error.')]));
const admin = { tags: ['admin'], security: [{ bridgeAdmin: [] }] };
const deviceIdParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
const action = (operationId: string, summary: string) => ({
  post: {
    ...admin,
    operationId,
    summary,
    parameters: deviceIdParam,
    requestBody: {
      required: false,
      content: { 'application/json': { schema: body(BRIDGE_ADMIN_BODIES.action) } },
    },
    responses: { '200': json({ $ref: '#/components/schemas/Device' }, 'The device.'), ...errors('400', '401', '404') },
  },
});

/**
 * The bridge's HTTP API as an OpenAPI 3.1 document, served at `/openapi.json` with Swagger UI at
 * `/docs`. The admin API's request bodies are the TypeBox schemas its endpoints validate with
 * (`BRIDGE_ADMIN_BODIES`); a spec checks that the documented routes are the routes served.
 */
export function bridgeOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Onboard MQTT bridge',
      version: '0.1.0',
      summary: "The bridge's HTTP API: the CIBA notification endpoint, its payload keys, the device admin API.",
      description:
        'Errors are JSON `{"error", "error_description"}` with `Cache-Control: no-store`. Request bodies of the admin API hold only the fields their schema declares: an unknown field is `400 invalid_request` naming it. The device protocol itself (MQTT) is described in docs/asyncapi.yaml.',
    },
    tags: [
      { name: 'ciba', description: 'The client notification endpoint the provider pushes results to (CIBA §10.2).' },
      { name: 'keys', description: 'The public keys devices seal their payloads to (docs/protocol.md §5a).' },
      {
        name: 'admin',
        description: 'The device registry (README, "Administration"; docs/bridge.md); Bearer `BRIDGE_ADMIN_TOKEN`.',
      },
      { name: 'operations', description: 'Health, Prometheus metrics and this document.' },
    ],
    paths: {
      '/ciba/notify': {
        post: {
          tags: ['ciba'],
          operationId: 'notify',
          summary: 'CIBA push/ping notification (CIBA §10.2, §10.3); Bearer client_notification_token',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
          responses: { '204': { description: 'Received.' }, ...errors('400', '401') },
        },
      },
      '/.well-known/jwks.json': {
        get: {
          tags: ['keys'],
          operationId: 'getBridgeJwks',
          summary: "The bridge's public payload keys (RFC 7517 §5)",
          responses: { '200': json({ type: 'object', required: ['keys'] }, 'The JWK set.') },
        },
      },
      '/admin/v1/devices': {
        post: {
          ...admin,
          operationId: 'registerDevice',
          summary: 'Register a device (and its CIBA client at the provider)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: body(BRIDGE_ADMIN_BODIES.registration) } },
          },
          responses: {
            '200': json({ $ref: '#/components/schemas/Device' }, 'Already registered with these keys.'),
            '201': json({ $ref: '#/components/schemas/Device' }, 'Registered.'),
            ...errors('400', '401', '409', '502'),
          },
        },
        get: {
          ...admin,
          operationId: 'listDevices',
          summary: 'List devices, ordered by id',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: [...DEVICE_STATUSES] } },
            { name: 'after', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1 } },
          ],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  devices: { type: 'array', items: { $ref: '#/components/schemas/Device' } },
                  next_after: { type: 'string' },
                },
              },
              'A page of devices.',
            ),
            ...errors('400', '401'),
          },
        },
      },
      '/admin/v1/devices:import': {
        post: {
          ...admin,
          operationId: 'importDevices',
          summary: 'Register a fleet: one DeviceRegistration JSON object per line (JSON lines)',
          requestBody: {
            required: true,
            content: { 'application/jsonl': { schema: body(BRIDGE_ADMIN_BODIES.registration) } },
          },
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  registered: { type: 'integer' },
                  unchanged: { type: 'integer' },
                  failed: { type: 'integer' },
                  results: { type: 'array', items: { type: 'object' } },
                },
              },
              'One result per line.',
            ),
            ...errors('400', '401'),
          },
        },
      },
      '/admin/v1/devices/{id}': {
        get: {
          ...admin,
          operationId: 'getDevice',
          summary: 'One device',
          parameters: deviceIdParam,
          responses: { '200': json({ $ref: '#/components/schemas/Device' }, 'The device.'), ...errors('401', '404') },
        },
      },
      '/admin/v1/devices/{id}/disable': action('disableDevice', 'Disable a device (reversible by registering again)'),
      '/admin/v1/devices/{id}/revoke': action('revokeDevice', 'Revoke a device for good'),
      '/health': {
        get: {
          tags: ['operations'],
          operationId: 'health',
          summary: 'Liveness and readiness',
          responses: { '200': { description: 'Healthy.' }, '503': { description: 'Not ready.' } },
        },
      },
      '/metrics': {
        get: {
          tags: ['operations'],
          operationId: 'metrics',
          summary: 'Prometheus metrics (Bearer BRIDGE_METRICS_TOKEN when set)',
          responses: { '200': { description: 'Metrics in the Prometheus text format.' }, ...errors('401') },
        },
      },
      '/openapi.json': {
        get: {
          tags: ['operations'],
          operationId: 'openapi',
          summary: 'This document (Swagger UI at /docs)',
          responses: { '200': json({ type: 'object' }, 'The OpenAPI document.') },
        },
      },
    },
    components: {
      securitySchemes: { bridgeAdmin: { type: 'http', scheme: 'bearer', description: 'BRIDGE_ADMIN_TOKEN' } },
      schemas: { Error: ERROR, Device: DEVICE },
    },
  };
}
