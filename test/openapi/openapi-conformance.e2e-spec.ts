import { declaredRoutes } from '@onboard/nest-http';
import { OwnerAppController, ReceiptsController } from '../../apps/ciba-provider/src/owner-app/owner-app.controller';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { ADMIN_API_ROUTES, PATHS } from '@onboard/ciba-core';
import { PROTOCOL_ROUTES } from '../../apps/ciba-provider/src/http/protocol-routes';
import { CIBA_GRANT } from '../support/fixtures';
import { basicAuth, send, type HttpResult } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';

/*
 * docs/openapi.yaml is the API's one description (served at /openapi.json). These checks keep
 * it true to the running provider: every route it serves is documented and nothing else is;
 * each admin body lists the fields the endpoint takes; and a tour of the whole API (a poll
 * flow, the admin and owner-device endpoints, their errors, pages and 429 answers) gets only
 * answers whose status the document declares for that operation, with bodies that validate
 * against the declared schema.
 */

type Doc = Record<string, any>;
const DOC: Doc = parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.yaml'), 'utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * `/owners/{sub}/devices` → `/owners/{}/devices`: path parameters compared by position only (a
 * colon inside a segment, as in `/clients:import`, is part of the path).
 */
const normalise = (path: string) => path.replace(/\{[^}]*\}/g, '{}').replace(/\/:[A-Za-z]+/g, '/{}');

/** The documented operations, `METHOD /path` with parameters as `{}`. */
function documentedOperations(): string[] {
  return Object.entries(DOC.paths as Record<string, Doc>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${normalise(path)}`),
  );
}

/** The routes the provider serves: protocol route table, admin router, operations controllers. */
function servedRoutes(): string[] {
  return [
    ...PROTOCOL_ROUTES.map((r) => `${r.method} ${normalise(r.path)}`),
    ...ADMIN_API_ROUTES.map((r) => `${r.method} ${PATHS.admin}${r.path}`),
    ...[PATHS.health, PATHS.metrics, PATHS.openapi].map((path) => `GET ${path}`),
    // the owner app's routes and the receipts endpoint, as their controllers declare them
    ...declaredRoutes([OwnerAppController, ReceiptsController]).map((r) => `${r.method} ${normalise(r.path)}`),
  ];
}

/** A `$ref` inside the document, resolved (`#/components/...`). */
function deref(node: Doc): Doc {
  if (typeof node?.$ref !== 'string') return node;
  return deref(
    node.$ref
      .slice(2)
      .split('/')
      .reduce((at: Doc, key: string) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')], DOC),
  );
}

/** The property names a body schema allows (through `$ref` and `allOf`). */
function propertyNames(schema: Doc): string[] {
  const resolved = deref(schema);
  return [
    ...Object.keys(resolved.properties ?? {}),
    ...((resolved.allOf as Doc[] | undefined) ?? []).flatMap(propertyNames),
  ];
}

const pointer = (...keys: string[]) => keys.map((k) => k.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(DOC, 'openapi');

/** One answer seen on the tour. */
interface Answer {
  method: string;
  path: string;
  res: HttpResult;
}

/** The documented operation of a concrete path (literal segments win over parameters). */
function operationOf(method: string, path: string): { template: string; op: Doc } | undefined {
  const candidates = Object.keys(DOC.paths)
    .filter((template) => new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]*\}/g, '[^/]+')}$`).test(path))
    .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  for (const template of candidates) {
    const op = DOC.paths[template][method.toLowerCase()];
    if (op) return { template, op };
  }
  return undefined;
}

/** The documented path template of a concrete path, whatever the method. */
function templateOf(path: string): string | undefined {
  return Object.keys(DOC.paths).find((template) =>
    new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]*\}/g, '[^/]+')}$`).test(path),
  );
}

/** What is wrong with one answer against the document, if anything. */
function problemOf({ method, path, res }: Answer): string | undefined {
  const where = `${method} ${path} → ${res.status}`;
  const found = operationOf(method, path);
  if (!found) {
    // The conventions of info.description: an unknown path is `404 not_found`; a known path
    // with another method is 405 with `Allow` naming the documented methods.
    const template = templateOf(path);
    if (template === undefined) {
      return res.status === 404 && res.json?.error === 'not_found' ? undefined : `${where}: an unknown path, not 404`;
    }
    const documented = METHODS.filter((m) => DOC.paths[template][m])
      .map((m) => m.toUpperCase())
      .sort();
    const allowed = String(res.headers.allow ?? '')
      .split(/,\s*/)
      .filter((m) => m !== '' && m !== 'HEAD')
      .sort();
    return res.status === 405 && JSON.stringify(allowed) === JSON.stringify(documented)
      ? undefined
      : `${where}: expected 405 with Allow ${documented.join(', ')}, got Allow ${allowed.join(', ')}`;
  }
  const declared = found.op.responses[String(res.status)] ?? found.op.responses.default;
  if (!declared) {
    return `${where}: status not declared (declared: ${Object.keys(found.op.responses).join(', ')}) ${res.text.slice(0, 200)}`;
  }
  const response = deref(declared);
  const type = String(res.headers['content-type'] ?? '').split(';')[0];
  if (res.text === '') return undefined;
  if (!response.content?.[type]) {
    return `${where}: content type ${type} not declared (${Object.keys(response.content ?? {}).join(', ') || 'none'})`;
  }
  if (type !== 'application/json') return undefined;
  // Validate against the schema where it sits in the document, so its `$ref`s resolve.
  const at =
    typeof declared.$ref === 'string'
      ? `${declared.$ref}/${pointer('content', type, 'schema')}`
      : `#/${pointer('paths', found.template, method.toLowerCase(), 'responses', String(res.status), 'content', type, 'schema')}`;
  const validate = ajv.getSchema(`openapi${at}`);
  if (!validate) return `${where}: no schema at ${at}`;
  if (validate(res.json)) return undefined;
  return `${where}: body does not match the schema: ${ajv.errorsText(validate.errors)} in ${res.text.slice(0, 300)}`;
}

describe('docs/openapi.yaml against the running provider', () => {
  it('documents every route the provider serves, and no route it does not serve', () => {
    const documented = documentedOperations();
    const served = servedRoutes();
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((operation) => !served.includes(operation))).toEqual([]);
  });

  it("lists exactly the fields each admin endpoint's body takes", () => {
    const mismatches = ADMIN_API_ROUTES.filter((route) => route.bodyFields !== undefined).flatMap((route) => {
      const path = Object.keys(DOC.paths).find((p) => normalise(p) === `${PATHS.admin}${route.path}`) as string;
      const body = DOC.paths[path][route.method.toLowerCase()].requestBody;
      const schema = body?.content?.['application/json']?.schema;
      const documented = schema ? propertyNames(schema).sort() : [];
      const taken = [...(route.bodyFields ?? [])].sort();
      return JSON.stringify(documented) === JSON.stringify(taken)
        ? []
        : [`${route.method} ${path}: documented ${documented.join(', ') || '(none)'}; takes ${taken.join(', ')}`];
    });
    expect(mismatches).toEqual([]);
  });

  describe('a tour of the API', () => {
    let p: TestProvider;
    const answers: Answer[] = [];

    beforeAll(async () => {
      // Three failed authentications block a source address (429 answers); each failure below
      // comes from an address of its own.
      p = await startProvider({ inMemory: true, env: { AUTH_FAILURES_PER_SOURCE: '3' } });
    });
    afterAll(async () => {
      await p?.close();
    });

    /** One call, kept for the check. */
    async function call(
      method: string,
      path: string,
      options: { headers?: Record<string, string>; json?: unknown; form?: Record<string, string>; from?: string } = {},
    ): Promise<HttpResult> {
      const headers: Record<string, string> = { ...options.headers };
      let body: string | undefined;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      } else if (options.form !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(options.form).toString();
      }
      const res = await send({ method, url: p.at(path), headers, body, localAddress: options.from });
      answers.push({ method, path: path.split('?')[0], res });
      return res;
    }

    const admin = (method: string, path: string, json?: unknown, from?: string, token = p.adminToken) =>
      call(method, `${PATHS.admin}${path}`, { headers: { authorization: `Bearer ${token}` }, json, from });
    const device = (method: string, path: string, credential: string, json?: unknown, from?: string) =>
      call(method, `${PATHS.ownerDevice}${path}`, { headers: { authorization: `Bearer ${credential}` }, json, from });

    it('gets only documented answers', async () => {
      // Discovery and operations.
      await call('GET', PATHS.discovery);
      await call('GET', PATHS.jwks);
      await call('GET', PATHS.health);
      await call('GET', PATHS.metrics);
      await call('GET', PATHS.openapi);

      // Admin: owners, devices, clients.
      const owner = (await admin('POST', '/owners', { email: 'tour@example.com', name: 'Tour' })).json;
      await admin('POST', '/owners', { email: 'tour@example.com' }); // 409
      await admin('POST', '/owners', { mail: 'tour@example.com' }); // 400 unknown field
      await admin('POST', '/owners', { phone_number: '015112345678' }); // 400 format
      await admin('GET', '/owners');
      await admin('PUT', `/owners/${owner.sub}/user-code`, { user_code: '4711' });
      await admin('PUT', '/owners/nobody/user-code', { user_code: '4711' }); // 404
      await admin('POST', `/owners/${owner.sub}/user-code/unlock`);
      await admin('POST', '/owners/nobody/user-code/unlock'); // 404
      const phone = (await admin('POST', `/owners/${owner.sub}/devices`, { name: 'phone' })).json;
      const spare = (await admin('POST', `/owners/${owner.sub}/devices`)).json;
      await admin('GET', `/owners/${owner.sub}/devices`);
      const kiosk = (
        await admin('POST', '/clients', {
          client_name: 'Kiosk',
          grant_types: [CIBA_GRANT],
          backchannel_token_delivery_mode: 'poll',
          id_token_signed_response_alg: 'ES256',
          userinfo_signed_response_alg: 'PS256',
        })
      ).json;
      await admin('POST', '/clients', {
        backchannel_token_delivery_mode: 'poll',
        introspection_signed_response_alg: 'RS256',
      }); // 400
      await admin('POST', '/clients', { backchannel_token_delivery_mod: 'poll' }); // 400 unknown field
      await admin('POST', '/clients', { client_id: kiosk.client_id, backchannel_token_delivery_mode: 'poll' }); // 400 taken
      await admin('GET', '/clients');
      await admin('GET', `/clients/${kiosk.client_id}`);
      await admin('GET', '/clients/nobody'); // 404
      await admin('DELETE', '/clients'); // 405
      await admin('GET', '/nothing-here'); // 404

      // Dynamic Client Registration.
      await call('POST', PATHS.registration, {
        headers: { authorization: `Bearer ${p.initialAccessToken}` },
        json: { backchannel_token_delivery_mode: 'poll', grant_types: [CIBA_GRANT] },
      });
      await call('POST', PATHS.registration, { json: { backchannel_token_delivery_mode: 'poll' } }); // 401

      // A poll flow, paged through the owner's pending requests.
      const client = { authorization: basicAuth(kiosk.client_id, kiosk.client_secret) };
      const ask = (binding_message: string) =>
        call('POST', PATHS.backchannel, {
          headers: client,
          form: { scope: 'openid profile', login_hint: 'tour@example.com', binding_message },
        });
      const arids = [];
      for (const message of ['T-1', 'T-2', 'T-3']) arids.push((await ask(message)).json.auth_req_id);
      await call('POST', PATHS.backchannel, { headers: client, form: { login_hint: 'tour@example.com' } }); // 400
      await call('POST', PATHS.backchannel, {
        headers: client,
        form: { scope: 'openid', login_hint: 'nobody@example.com' },
      }); // 400 unknown_user_id
      const first = (await device('GET', '/requests?limit=2', phone.credential)).json;
      expect(first.next_cursor).toEqual(expect.any(String));
      const second = (await device('GET', `/requests?limit=2&cursor=${first.next_cursor}`, phone.credential)).json;
      expect(second.requests).toHaveLength(1);
      await device('GET', '/requests?limit=0', phone.credential); // 400
      const [newest, middle, oldest] = [...first.requests, ...second.requests];
      await device('GET', `/requests/${newest.id}`, phone.credential);
      await device('GET', '/requests/nothing', phone.credential); // 404
      await call('POST', PATHS.token, { headers: client, form: { grant_type: CIBA_GRANT, auth_req_id: arids[2] } }); // pending
      await device('POST', `/requests/${newest.id}/approve`, phone.credential, { amr: ['hwk', 'user'] });
      await device('POST', `/requests/${newest.id}/approve`, phone.credential); // 409
      await device('POST', `/requests/${middle.id}/deny`, phone.credential);
      await device('POST', `/requests/${oldest.id}/approve`, phone.credential, { amr: 'not-a-list' }); // 400
      const tokens = (
        await call('POST', PATHS.token, { headers: client, form: { grant_type: CIBA_GRANT, auth_req_id: arids[2] } })
      ).json;
      await call('POST', PATHS.token, { headers: client, form: { grant_type: CIBA_GRANT, auth_req_id: arids[1] } }); // denied
      await call('POST', PATHS.token, { headers: client, form: { grant_type: 'password' } }); // 400
      await call('GET', PATHS.token); // 405
      const bearer = { authorization: `Bearer ${tokens.access_token}` };
      await call('GET', PATHS.userinfo, { headers: bearer }); // a signed JWT (userinfo_signed_response_alg)
      await call('POST', PATHS.userinfo, { headers: bearer });
      await call('GET', PATHS.userinfo, { headers: { authorization: 'Bearer nope' } }); // 401
      await call('POST', PATHS.introspection, { headers: client, form: { token: tokens.access_token } });
      await call('POST', PATHS.revocation, { headers: client, form: { token: tokens.access_token } });
      await call('POST', PATHS.introspection, { headers: client, form: { token: tokens.access_token } }); // inactive
      await call('POST', PATHS.backchannel, {
        headers: { ...client, 'content-type': 'application/x-www-form-urlencoded' },
        form: { scope: 'openid', login_hint: 'x'.repeat(300 * 1024) },
      }); // 413

      // The owner's own user code.
      await device('PUT', '/user-code', phone.credential, { user_code: '0815' });
      await device('PUT', '/user-code', phone.credential, { user_code: '1' }); // 400
      await device('POST', '/user-code/unlock', phone.credential);

      // Audit, and disabling and enabling.
      await admin('GET', `/audit?sub=${owner.sub}&limit=5`);
      await admin('GET', '/audit'); // 400
      await admin('POST', `/owners/${owner.sub}/devices/${spare.id}/disable`);
      await admin('POST', `/owners/${owner.sub}/devices/nothing/disable`); // 404
      await admin('POST', `/owners/${owner.sub}/disable`, { reason: 'x' }); // 400: an action takes no fields
      await admin('POST', `/owners/${owner.sub}/disable`);
      await admin('POST', `/owners/${owner.sub}/enable`, {});
      await admin('POST', '/owners/nobody/enable'); // 404
      await admin('POST', `/clients/${kiosk.client_id}/disable`);

      // Failed authentication, each from an address of its own…
      await admin('GET', '/owners', undefined, '127.0.0.20', 'wrong-token'); // 401
      await device('GET', '/requests', 'wrong-credential', undefined, '127.0.0.21'); // 401
      await call('POST', PATHS.token, {
        headers: { authorization: basicAuth(kiosk.client_id, 'wrong') },
        form: { grant_type: CIBA_GRANT, auth_req_id: arids[0] },
        from: '127.0.0.22',
      }); // 401

      // …and from addresses blocked after three failures: every endpoint behind the same
      // authentication then answers 429.
      for (let i = 0; i < 3; i++) {
        await send({
          url: p.at(`${PATHS.admin}/owners`),
          headers: { authorization: 'Bearer x' },
          localAddress: '127.0.0.30',
        });
        await send({
          url: p.at(`${PATHS.ownerDevice}/requests`),
          headers: { authorization: 'Bearer x' },
          localAddress: '127.0.0.31',
        });
        await send({
          method: 'POST',
          url: p.at(PATHS.token),
          headers: {
            authorization: basicAuth(kiosk.client_id, 'x'),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: `grant_type=${CIBA_GRANT}&auth_req_id=x`,
          localAddress: '127.0.0.32',
        });
      }
      for (const route of ADMIN_API_ROUTES) {
        const path = route.path.replace(/\{\}/g, route.path.startsWith('/clients') ? kiosk.client_id : owner.sub);
        await admin(route.method, path, route.bodyFields ? {} : undefined, '127.0.0.30');
      }
      for (const route of PROTOCOL_ROUTES.filter((r) => r.path.startsWith(PATHS.ownerDevice))) {
        await device(
          route.method,
          route.path.slice(PATHS.ownerDevice.length).replace(':id', newest.id),
          phone.credential,
          route.method === 'GET' ? undefined : {},
          '127.0.0.31',
        );
      }
      for (const path of [PATHS.backchannel, PATHS.token, PATHS.introspection, PATHS.revocation]) {
        await call('POST', path, {
          headers: client,
          form: { token: 'x', scope: 'openid', login_hint: 'tour@example.com' },
          from: '127.0.0.32',
        });
      }
      expect(answers.filter((a) => a.res.status === 429).length).toBeGreaterThan(15);

      expect(answers.map(problemOf).filter(Boolean)).toEqual([]);
    });
  });
});
