#!/usr/bin/env node
// `node bench/signing-cost.mjs` (after `npm run build`): CPU time of one token signature with
// the provider's key ring, per alg, on this machine: what choosing RS256 for ID tokens costs
// against ES256. Each alg signs an ID-token-sized payload `--count` times (default 2000) after
// a warm-up, in one process, one alg after the other; the table gives the median and the
// 90th percentile of single signatures and the process's CPU time per signature over the run
// (GC included), and the same for importing the private key on every signature (what the key
// ring's KeyObject cache avoids).
//
//   node bench/signing-cost.mjs [--count N] [--json]
import { createPrivateKey, sign } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..');
const core = require(resolve(root, 'dist/libs/ciba-core/src/index.js'));
const platform = require(resolve(root, 'dist/libs/platform/src/index.js'));

const { values } = parseArgs({ options: { count: { type: 'string' }, json: { type: 'boolean' } } });
const count = Number(values.count ?? 2000);
const warmup = Math.min(200, count);

const issuer = 'https://onboard.example';
const settings = core.defaultSettings(issuer);
const stores = core.createMemoryStores();
const clock = platform.systemClock;
const ring = await core.createKeyRing(stores.signingKeys, clock, settings, {
  wrapper: await core.ephemeralKeyWrapper(),
});

/** An ID token's claims as issueTokens makes them (CIBA §10.1.1). */
function idClaims() {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: 'owner-7f3a9c',
    aud: 'client-0123456789abcdef',
    iat,
    exp: iat + 600,
    auth_time: iat - 3,
    at_hash: 'x4Q8jXJkHd6TgHtq2Wq7Ag',
    acr: 'urn:onboard:acr:passkey',
    amr: ['hwk', 'user'],
    'urn:openid:params:jwt:claim:auth_req_id': 'kP1r3Zb0n6VxJc2qQ4mH8sYtWuE5aLdG9fRiT7oNpXy',
  };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = samples.reduce((sum, v) => sum + v, 0) / samples.length;
  return { p50: at(0.5), p90: at(0.9), mean };
}

async function measure(fn) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time of the process (user + system) over the run, per signature: GC included.
  return { ...stats(samples), cpu: (cpu.user + cpu.system) / count };
}

// The private JWKs, for the uncached comparison (the ring keeps them only wrapped at rest).
const wrapper = await core.ephemeralKeyWrapper();
const records = await stores.signingKeys.list();
const jwkOf = async (alg) => {
  const record = records.find((r) => r.alg === alg && r.status === 'active');
  const bytes = await wrapper.unwrap(record.wrappedPrivateKey, `signing key ${record.kid}`);
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
};
const OPTIONS = {
  RS256: {},
  PS256: { padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 },
  ES256: { dsaEncoding: 'ieee-p1363' },
};

const rows = [];
for (const alg of ['ES256', 'RS256', 'PS256']) {
  const cached = await measure(() => ring.sign(idClaims(), { alg }));
  const jwk = await jwkOf(alg);
  const input = Buffer.from('eyJhbGciOiJSUzI1NiJ9.' + Buffer.from(JSON.stringify(idClaims())).toString('base64url'));
  const uncached = await measure(() =>
    sign('sha256', input, { key: createPrivateKey({ key: jwk, format: 'jwk' }), ...OPTIONS[alg] }),
  );
  rows.push({ alg, cached, uncached });
}

const us = (v) => `${v.toFixed(1)} µs`;
if (values.json) {
  console.log(JSON.stringify({ node: process.version, count, rows }, null, 2));
} else {
  console.log(`node ${process.version}, ${count} signatures per alg (after ${warmup} unmeasured)\n`);
  console.log('alg    | sign (key ring): p50 / p90 / CPU per signature | import + sign every time: p50 / CPU');
  console.log('------ | ---------------------------------------------- | ------------------------------------');
  for (const { alg, cached, uncached } of rows) {
    console.log(
      `${alg.padEnd(6)} | ${[cached.p50, cached.p90, cached.cpu].map(us).join(' / ').padEnd(46)} | ${us(uncached.p50)} / ${us(uncached.cpu)}`,
    );
  }
  const es = rows.find((r) => r.alg === 'ES256').cached;
  const rs = rows.find((r) => r.alg === 'RS256').cached;
  console.log(
    `\nRS256 costs ${(rs.p50 / es.p50).toFixed(1)}x ES256 per signature (median; +${us(rs.cpu - es.cpu)} of CPU per ID token).`,
  );
}
