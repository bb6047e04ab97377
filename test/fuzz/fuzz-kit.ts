import { randomUUID } from 'node:crypto';
import { send, type HttpResult, type RawRequest } from '../support/http';
import { clientAssertion, dpopProof, requestObject, signJwt, unsignedJwt, type TestKey } from '../support/jose-helpers';
import type { Prng } from '../support/prng';

/** A fuzz case: a request and a short label for the failure report. */
export interface FuzzCase {
  label: string;
  request: RawRequest;
}

export interface FuzzFailure {
  index: number;
  label: string;
  status: number;
  body: string;
  reason: string;
}

const b64u = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/**
 * A pool of malformed JWTs of every kind, built from real signed tokens: wrong alg,
 * none, truncated, bad signature, wrong typ, huge, broken encodings, JWE shapes.
 */
export async function badJwtPool(key: TestKey, otherKey: TestKey, claims: Record<string, unknown>): Promise<string[]> {
  const good = await signJwt(key, claims);
  const [h, p, s] = good.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const pool = [
    good, // valid once, then a replay
    unsignedJwt(claims),
    unsignedJwt(claims, { alg: 'none', typ: 'JWT' }),
    `${b64u(JSON.stringify({ ...header, alg: 'HS256' }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, alg: 'RS256' }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, alg: 'ES512' }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, alg: 'nonsense' }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, alg: 42 }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, typ: 'dpop+jwt' }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, typ: 'at+jwt' }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, kid: 'x'.repeat(5000) }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, crit: ['exp'] }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, jku: 'http://127.0.0.1:1/jwks' }))}.${p}.${s}`,
    `${b64u(JSON.stringify({ ...header, b64: false, crit: ['b64'] }))}.${p}.${s}`,
    good.slice(0, good.length - 10),
    good.slice(0, good.lastIndexOf('.')),
    `${h}.${p}`,
    `${h}.${p}.`,
    `${h}..${s}`,
    `.${p}.${s}`,
    `${h}.${p}.${s}.extra`,
    `${h}.${p}.${s}.a.b`,
    `${h}.${p}.${s.slice(0, -2)}${s.slice(-2) === 'AA' ? 'BB' : 'AA'}`,
    `${h}.${b64u(JSON.stringify({ ...claims, sub: 'tampered' }))}.${s}`,
    await signJwt(otherKey, claims),
    await signJwt({ ...otherKey, kid: key.kid }, claims),
    `${b64u('not json')}.${p}.${s}`,
    `${h}.${b64u('not json')}.${s}`,
    `${h}.${b64u('[1,2,3]')}.${s}`,
    `${h}.${b64u('null')}.${s}`,
    `${b64u('[]')}.${p}.${s}`,
    `${h}.${b64u(JSON.stringify({ ...claims, exp: 'tomorrow', iat: {}, aud: { a: 1 }, iss: 7 }))}.${s}`,
    `${h}.${b64u(JSON.stringify({ ...claims, exp: 1e308, nbf: -1e308 }))}.${s}`,
    `${h}.${b64u(JSON.stringify({ ...claims, ['__proto__']: { admin: true } }))}.${s}`,
    `${h}!.${p}$.${s}%`,
    `${h}.${p}.${'A'.repeat(60_000)}`,
    `${b64u(JSON.stringify({ ...header, pad: 'x'.repeat(40_000) }))}.${p}.${s}`,
    'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d',
    '...',
    '.',
    'a.b.c',
  ];
  return pool;
}

/** Values that break naive parsers. */
export function nastyValue(rng: Prng, jwts: string[]): string {
  switch (rng.int(16)) {
    case 0:
      return '';
    case 1:
      return rng.string(1 + rng.int(40));
    case 2:
      return 'x'.repeat(rng.pick([255, 1025, 4096, 70_000]));
    case 3:
      return rng.bytes(1 + rng.int(64)).toString('latin1');
    case 4:
      return rng.pick(['\u0000', '\uFFFF', '\uD800', '😀'.repeat(50), 'é', '\r\n', '%00', '%', '%zz', '+', ' ']);
    case 5:
      return JSON.stringify(
        rng.pick([{}, [], [{}], [{ type: 1 }], null, 1, 'x', { type: 'a'.repeat(1000) }, [[[[[]]]]]]),
      );
    case 6:
      return String(rng.pick([-1, 0, 1, 1.5, Infinity, -0, 2 ** 53, NaN, '0x10', '1e3', ' 5', '5 ']));
    case 7:
      return rng.pick(['openid', 'openid profile email phone offline_access', 'profile', 'openid openid', 'OPENID']);
    case 8:
      return rng.pick(jwts);
    case 9:
      return 'urn:openid:params:grant-type:ciba';
    case 10:
      return rng.pick(['true', 'false', 'null', 'undefined', '[object Object]', 'constructor', '__proto__']);
    case 11:
      return `${rng.string(8)}@example.test`;
    case 12:
      return '../'.repeat(rng.int(10)) + 'etc/passwd';
    case 13:
      return '<script>alert(1)</script>';
    case 14:
      return rng.pick(jwts).split('.').reverse().join('.');
    default:
      return String(rng.int(1_000_000));
  }
}

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=latin1',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/x-www-form-urlencoded, application/json',
  ';;;',
  '',
  'x'.repeat(3000),
];

/** Percent-encode as UTF-8; lone surrogates (which encodeURIComponent refuses) become U+FFFD, as on the wire. */
const pct = (value: string): string => encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));

/** Encode a form by hand so duplicates, raw bytes and broken escapes survive. */
function encodeForm(rng: Prng, pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => {
      const mode = rng.int(10);
      if (mode === 0) return `${k}=${v}`; // unescaped
      if (mode === 1) return k; // no '='
      return `${pct(k)}=${pct(v)}`;
    })
    .join(rng.bool(0.05) ? ';' : '&');
}

/**
 * A random, mutated request for a form endpoint. `validParams` makes a plausible
 * base (so mutations reach the deeper pipeline steps); `authVariants` are client
 * authentications (headers and form fields) from valid to broken.
 */
export function formCase(
  rng: Prng,
  url: string,
  validParams: () => Record<string, string>,
  paramNames: string[],
  jwts: string[],
  authVariants: () => { form: Record<string, string>; headers: Record<string, string> },
): FuzzCase {
  const kind = rng.int(12);
  const auth = authVariants();
  const headers: Record<string, string | string[]> = { ...auth.headers };
  let pairs: [string, string][] = Object.entries({ ...auth.form, ...validParams() });
  let contentType: string | undefined = 'application/x-www-form-urlencoded';
  let method = 'POST';
  let body: string | Buffer | undefined;
  switch (kind) {
    case 0: // random values for known parameters
      pairs = pairs.map(([k, v]) => [k, rng.bool(0.4) ? nastyValue(rng, jwts) : v]);
      break;
    case 1: // duplicated parameters
      for (let i = 0; i < 1 + rng.int(3); i++) {
        const [k] = rng.pick(pairs.length ? pairs : [['scope', 'openid'] as [string, string]]);
        pairs.push([k, nastyValue(rng, jwts)]);
      }
      break;
    case 2: // wrong content type
      contentType = rng.pick(CONTENT_TYPES);
      if (contentType === 'application/json') body = JSON.stringify(Object.fromEntries(pairs));
      break;
    case 3: // random bytes
      body = rng.bytes(rng.int(2048));
      contentType = rng.bool() ? 'application/x-www-form-urlencoded' : rng.pick(CONTENT_TYPES);
      break;
    case 4: // unknown and extra parameters
      for (let i = 0; i < 1 + rng.int(8); i++) pairs.push([rng.string(1 + rng.int(12)), nastyValue(rng, jwts)]);
      break;
    case 5: // drop parameters
      pairs = pairs.filter(() => rng.bool(0.5));
      break;
    case 6: // every known parameter, random values
      pairs = [...pairs, ...paramNames.map((n) => [n, nastyValue(rng, jwts)] as [string, string])];
      break;
    case 7: // other methods
      method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      break;
    case 8: // broken percent-encoding and invalid UTF-8
      body = `${encodeForm(rng, pairs)}&${rng.pick(['%', '%z', '%E0%A4%A', '%FF%FE', '%C0%AF', '%00=%00', '=&=&&', '&&&'])}`;
      break;
    case 9: // broken Authorization headers
      headers.authorization = rng.pick([
        'Basic',
        'Basic !!!!',
        'Basic ' + Buffer.from('no-colon').toString('base64'),
        'Basic ' + Buffer.from(':').toString('base64'),
        'Basic ' + Buffer.from('%zz:%zz').toString('base64'),
        'Basic ' + Buffer.from('a:b').toString('base64') + '===',
        'Bearer ' + rng.pick(jwts).slice(0, 6000),
        'DPoP x',
        'Digest username="x"',
        'basic ' + Buffer.from(`${rng.string(10)}:${rng.string(10)}`).toString('base64'),
        '',
      ]);
      break;
    case 10: // a huge value (below the header limit, above parameter limits)
      pairs.push([rng.pick(paramNames), 'A'.repeat(rng.pick([65 * 1024, 200 * 1024]))]);
      break;
    default: // a DPoP header of any kind
      headers.dpop = rng.pick(jwts).slice(0, 7000);
      if (rng.bool(0.2)) headers.dpop = [headers.dpop, rng.pick(jwts).slice(0, 500)];
      break;
  }
  if (body === undefined && method !== 'GET' && method !== 'HEAD') body = encodeForm(rng, pairs);
  if (contentType !== undefined && contentType !== '') headers['content-type'] = contentType;
  return { label: `form#${kind} ${method}`, request: { method, url, headers, body } };
}

/** A random, mutated JSON request. */
export function jsonCase(
  rng: Prng,
  url: string,
  method: string,
  validBody: () => Record<string, unknown>,
  headers: () => Record<string, string>,
  jwts: string[],
): FuzzCase {
  const kind = rng.int(9);
  const h: Record<string, string> = { 'content-type': 'application/json', ...headers() };
  let body: string | Buffer | undefined;
  const base = validBody();
  const mutate = (_v: unknown): unknown =>
    rng.pick([
      null,
      0,
      -1,
      1e308,
      true,
      '',
      'x'.repeat(70_000),
      [],
      {},
      [1, 'a', null],
      { a: { b: { c: {} } } },
      nastyValue(rng, jwts),
    ]);
  switch (kind) {
    case 0:
      body = JSON.stringify(
        Object.fromEntries(Object.entries(base).map(([k, v]) => [k, rng.bool(0.4) ? mutate(v) : v])),
      );
      break;
    case 1:
      body = JSON.stringify(base).slice(0, rng.int(JSON.stringify(base).length));
      break;
    case 2:
      body = rng.bytes(rng.int(1024));
      break;
    case 3:
      body = rng.pick([
        '[]',
        'null',
        '1',
        '"x"',
        'true',
        '{"__proto__":{"admin":true}}',
        '{"constructor":{"prototype":{}}}',
        '{}',
      ]);
      break;
    case 4:
      h['content-type'] = rng.pick(CONTENT_TYPES.filter((c) => c !== 'application/json'));
      body = JSON.stringify(base);
      break;
    case 5:
      body = '['.repeat(5000) + ']'.repeat(5000);
      break;
    case 6: // duplicated keys
      body = JSON.stringify(base).replace(
        /^\{/,
        `{"${Object.keys(base)[0] ?? 'a'}":${JSON.stringify(nastyValue(rng, jwts))},`,
      );
      break;
    case 7:
      h.authorization = rng.pick([
        '',
        'Bearer',
        'Bearer ' + rng.string(40),
        'Basic eA==',
        rng.pick(jwts).slice(0, 4000),
      ]);
      body = JSON.stringify(base);
      break;
    default:
      body = JSON.stringify({ ...base, [rng.string(8)]: mutate(null), ...(rng.bool() ? { '': 1 } : {}) });
  }
  return { label: `json#${kind} ${method}`, request: { method, url, headers: h, body } };
}

/**
 * Run `count` cases with `concurrency` in flight and check each response: never
 * 5xx; every 4xx is JSON with a string `error`.
 */
export async function runCases(
  count: number,
  make: (index: number) => FuzzCase,
  concurrency = 16,
): Promise<{ failures: FuzzFailure[]; statuses: Map<number, number> }> {
  const failures: FuzzFailure[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const cases: FuzzCase[] = [];
  // Built up front, in order, so the same seed gives the same cases whatever the timing.
  for (let i = 0; i < count; i++) cases.push(make(i));
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const c = cases[index];
      let res: HttpResult;
      try {
        res = await send({ ...c.request, timeoutMs: 20_000 });
      } catch (err) {
        failures.push({
          index,
          label: c.label,
          status: 0,
          body: '',
          reason: `transport error: ${(err as Error).message}`,
        });
        continue;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const fail = (reason: string) =>
        failures.push({ index, label: c.label, status: res.status, body: res.text.slice(0, 300), reason });
      if (res.status >= 500) fail('5xx');
      else if (res.status >= 400 && c.request.method !== 'HEAD') {
        if (!/^application\/json/.test(String(res.headers['content-type']))) fail('4xx without a JSON content type');
        else if (typeof res.json?.error !== 'string') fail('4xx without an error member');
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { failures, statuses };
}

/** A readable summary of failures (first few) for the assertion message. */
export function describeFailures(seed: number, failures: FuzzFailure[]): string {
  return failures
    .slice(0, 8)
    .map((f) => `seed ${seed} case ${f.index} [${f.label}] → ${f.status} ${f.reason}: ${f.body}`)
    .join('\n');
}

export { clientAssertion, dpopProof, requestObject, randomUUID };
