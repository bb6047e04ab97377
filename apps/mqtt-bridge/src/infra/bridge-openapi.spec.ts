import { declaredRoutes } from '@onboard/nest-http';
import { silentLogger } from '@onboard/platform';
import { loadBridgeConfig } from '@onboard/config';
import { checkAdminBody } from '../admin/admin-body';
import { BRIDGE_HTTP_CONTROLLERS } from './bridge-http.controllers';
import { createBridgeApp, type BridgeApp } from './create-bridge-app';

type Operation = { responses: Record<string, unknown>; requestBody?: { content: Record<string, { schema: object }> } };
type Document = { paths: Record<string, Record<string, Operation>> };

/** `METHOD /path` of every documented operation, in the router's template syntax. */
function documented(doc: Document): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}

describe("the bridge's OpenAPI document", () => {
  let app: BridgeApp;
  let doc: Document;

  beforeAll(async () => {
    app = await createBridgeApp(
      loadBridgeConfig({
        BRIDGE_MQTT_PORT: '0',
        BRIDGE_HTTP_PORT: '0',
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_DATABASE_URL: 'sqlite::memory:',
        BRIDGE_ADMIN_TOKEN: 'bridge-admin-token-0001',
        PROVIDER_URL: 'http://127.0.0.1:1',
      }),
      { logger: silentLogger },
    );
    const res = await fetch(`${app.httpUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as Document;
  });
  afterAll(() => app?.close());

  it('documents exactly the routes the controllers serve', () => {
    const served = declaredRoutes(BRIDGE_HTTP_CONTROLLERS).map(
      ({ method, path }) => `${method} ${path.replace('::', ':')}`,
    );
    expect(documented(doc).sort()).toEqual(served.sort());
  });

  it('answers every documented operation with one of its documented statuses', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const url = `${app.httpUrl}${path.replace('{id}', 'hu-none')}`;
        const res = await fetch(url, { method: method.toUpperCase(), ...(method === 'post' ? { body: '{}' } : {}) });
        expect({ route: `${method} ${path}`, status: Object.keys(op.responses).includes(String(res.status)) }).toEqual({
          route: `${method} ${path}`,
          status: true,
        });
      }
    }
  });

  it('shows as request bodies the schemas the admin API validates with', async () => {
    const registration = doc.paths['/admin/v1/devices'].post.requestBody!.content['application/json'].schema as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(registration.properties)).toEqual(['device_id', 'jwks', 'name']);
    expect(registration.additionalProperties).toBe(false);
    expect(checkAdminBody({ device_id: 'hu-1', jwks: { keys: [] }, vin: 'WVW' }, 'registration')).toBe(
      "unknown field 'vin': this request takes device_id, jwks, name",
    );
    expect(checkAdminBody({ device_id: 'hu-1', jwks: { keys: [] } }, 'registration')).toBeUndefined();
    expect(checkAdminBody({ reason: 'x' }, 'action')).toBe("unknown field 'reason': this request takes no fields");
    expect(checkAdminBody([], 'action')).toBe('body must be a JSON object');

    const res = await fetch(`${app.httpUrl}/admin/v1/devices`, {
      method: 'POST',
      headers: { authorization: 'Bearer bridge-admin-token-0001', 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: 'hu-1', jwks: { keys: [] }, vin: 'WVW' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/'vin'/),
    });
  });

  it('serves Swagger UI at /docs with its assets from the bridge itself', async () => {
    const page = await fetch(`${app.httpUrl}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    const scripts = [...html.matchAll(/src="\.?\/?([^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      expect(script).not.toMatch(/^https?:/);
      const asset = await fetch(`${app.httpUrl}/docs/${script.replace(/^docs\//, '')}`);
      expect(asset.status).toBe(200);
    }
  });
});
