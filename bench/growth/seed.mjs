// Fills the provider's real schema (created by its migrations) with a population that a
// deployment of that size would hold: owners, their phones (owner devices), head-units
// (push-mode device clients), historical auth requests and their audit events. Rows go in by
// bulk SQL, not through the API (1M owners through the admin API would take hours):
//   SQLite      multi-row INSERTs (500 rows a statement), one transaction per table
//   PostgreSQL  INSERT … SELECT FROM generate_series, one transaction, then ANALYZE (as
//               autovacuum would soon after such a load)
// Historical requests are answered ones (consumed, denied, expired) created over the last
// 30 minutes, so none is past the provider's one-hour retention during a measurement and the
// maintenance sweep deletes nothing that was seeded.
import { createHash } from 'node:crypto';

/** Rows per multi-row INSERT statement on SQLite (x columns stays under its 32,766 variables). */
const SQLITE_ROWS_PER_STATEMENT = 500;
/** Historical requests were created over this long before the seeding. */
export const HISTORY_SPAN_MS = 30 * 60_000;
/** One head-unit per this many owners (a household's car is asked for by several of them, in part). */
export const OWNERS_PER_HEAD_UNIT = 1;

const hex = (text) => createHash('sha256').update(text).digest('hex');
/** A head-unit's metadata and keys, as the bridge registers them (the same size per row). */
const HEAD_UNIT_JWKS = JSON.stringify({
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      use: 'sig',
      alg: 'ES256',
    },
    { kty: 'OKP', crv: 'X25519', x: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo', use: 'enc', alg: 'ECDH-ES+A256KW' },
  ],
});
const HEAD_UNIT_METADATA = JSON.stringify({
  token_endpoint_auth_method: 'private_key_jwt',
  grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
  backchannel_token_delivery_mode: 'push',
  dpop_bound_access_tokens: true,
  id_token_signed_response_alg: 'ES256',
});
const STATUSES = ['consumed', 'consumed', 'consumed', 'consumed', 'consumed', 'consumed', 'denied', 'expired'];

/** What `size` seeds: every table's row count. */
export function seedPlan(size) {
  return {
    owners: size,
    owner_devices: size,
    clients: Math.max(1, Math.floor(size / OWNERS_PER_HEAD_UNIT)),
    auth_requests: size,
    audit_events: size,
  };
}

/** The rows of each table, generated from their index (deterministic, unique keys). */
function rowsOf(size, now) {
  const plan = seedPlan(size);
  const created = (i) => now - HISTORY_SPAN_MS + Math.floor((i * HISTORY_SPAN_MS) / Math.max(1, size));
  const request = (i) => {
    const status = STATUSES[i % STATUSES.length];
    const createdAt = created(i);
    return { status, createdAt, expiresAt: createdAt + 120_000, answeredAt: createdAt + 4_000 };
  };
  return {
    owners: {
      columns: ['sub', 'username', 'email', 'phone_number', 'name', 'user_code_hash', 'disabled', 'created_at'],
      count: plan.owners,
      row: (i) => [`seed-owner-${i}`, null, `seed-${i}@growth.invalid`, null, null, null, 0, created(i)],
    },
    owner_devices: {
      columns: ['id', 'sub', 'name', 'credential_hash', 'created_at', 'disabled'],
      count: plan.owner_devices,
      row: (i) => [`seed-device-${i}`, `seed-owner-${i % plan.owners}`, 'phone', hex(`d${i}`), created(i), 0],
    },
    clients: {
      columns: [
        'client_id',
        'client_name',
        'token_endpoint_auth_method',
        'token_endpoint_auth_signing_alg',
        'jwks',
        'grant_types',
        'backchannel_token_delivery_mode',
        'backchannel_client_notification_endpoint',
        'backchannel_authentication_request_signing_alg',
        'backchannel_user_code_parameter',
        'dpop_bound_access_tokens',
        'fapi_ciba',
        'metadata',
        'disabled',
        'created_at',
        'id_token_signed_response_alg',
        'token_response_encryption_alg',
        'token_response_encryption_enc',
      ],
      count: plan.clients,
      row: (i) => [
        `seed-hu-${i}`,
        'head-unit',
        'private_key_jwt',
        'ES256',
        HEAD_UNIT_JWKS,
        '["urn:openid:params:grant-type:ciba","refresh_token"]',
        'push',
        'http://127.0.0.1:9/ciba/notify',
        'ES256',
        0,
        1,
        0,
        HEAD_UNIT_METADATA,
        0,
        created(i),
        'ES256',
        'ECDH-ES+A256KW',
        'A256GCM',
      ],
    },
    auth_requests: {
      columns: [
        'id',
        'auth_req_id_hash',
        'client_id',
        'sub',
        'scope',
        'binding_message',
        'delivery_mode',
        'status',
        'created_at',
        'expires_at',
        'interval',
        'auth_time',
        'acr',
        'approved_by',
        'approved_at',
        'consumed_at',
        'denial_reason',
      ],
      count: plan.auth_requests,
      row: (i) => {
        const r = request(i);
        const approved = r.status === 'consumed';
        return [
          `seed-req-${i}`,
          hex(`r${i}`),
          `seed-hu-${i % plan.clients}`,
          `seed-owner-${i % plan.owners}`,
          'openid',
          `Pair ${i % 10000}`,
          'push',
          r.status,
          r.createdAt,
          r.expiresAt,
          5,
          approved ? r.answeredAt : null,
          approved ? 'urn:onboard:acr:passkey' : null,
          approved ? `seed-device-${i % plan.owner_devices}` : null,
          approved ? r.answeredAt : null,
          approved ? r.answeredAt + 50 : null,
          r.status === 'denied' ? 'denied' : null,
        ];
      },
    },
    audit_events: {
      columns: ['id', 'at', 'type', 'client_id', 'sub', 'auth_request_id', 'data', 'prev_hash', 'hash'],
      count: plan.audit_events,
      row: (i) => {
        const r = request(i);
        const type =
          r.status === 'consumed'
            ? 'auth_request.approved'
            : r.status === 'denied'
              ? 'auth_request.denied'
              : 'auth_request.expired';
        return [
          `seed-audit-${i}`,
          r.answeredAt,
          type,
          `seed-hu-${i % plan.clients}`,
          `seed-owner-${i % plan.owners}`,
          `seed-req-${i}`,
          '{}',
          hex(`a${i - 1}`),
          hex(`a${i}`),
        ];
      },
    },
  };
}

/**
 * Seeds an SQLite database file the provider has migrated (and is not running on).
 * @returns {Promise<Record<string, number>>} rows per table
 */
export async function seedSqlite(file, size, { now = Date.now() } = {}) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const counts = {};
    for (const [table, spec] of Object.entries(rowsOf(size, now))) {
      const placeholders = `(${spec.columns.map(() => '?').join(', ')})`;
      const head = `INSERT INTO ${table} (${spec.columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
      const full = db.prepare(head + Array(SQLITE_ROWS_PER_STATEMENT).fill(placeholders).join(', '));
      db.transaction(() => {
        for (let at = 0; at < spec.count; at += SQLITE_ROWS_PER_STATEMENT) {
          const n = Math.min(SQLITE_ROWS_PER_STATEMENT, spec.count - at);
          const values = [];
          for (let i = at; i < at + n; i++) values.push(...spec.row(i));
          if (n === SQLITE_ROWS_PER_STATEMENT) full.run(values);
          else db.prepare(head + Array(n).fill(placeholders).join(', ')).run(values);
        }
      })();
      counts[table] = spec.count;
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    return counts;
  } finally {
    db.close();
  }
}

/** SQL expressions of each seeded column for PostgreSQL, over `i` from generate_series. */
function postgresSelects(size, now) {
  const plan = seedPlan(size);
  const q = (text) => `'${text.replaceAll("'", "''")}'`;
  const created = `(${now - HISTORY_SPAN_MS} + (i::bigint * ${HISTORY_SPAN_MS}) / ${Math.max(1, size)})`;
  const status = `(ARRAY[${STATUSES.map(q).join(',')}])[(i % ${STATUSES.length}) + 1]`;
  const answered = `${created} + 4000`;
  const ifApproved = (expr) => `CASE WHEN ${status} = 'consumed' THEN ${expr} END`;
  return {
    owners: [
      plan.owners,
      `'seed-owner-' || i, NULL, 'seed-' || i || '@growth.invalid', NULL, NULL, NULL, false, ${created}`,
    ],
    owner_devices: [
      plan.owner_devices,
      `'seed-device-' || i, 'seed-owner-' || (i % ${plan.owners}), 'phone', encode(sha256(('d' || i)::bytea), 'hex'), ${created}, false`,
    ],
    clients: [
      plan.clients,
      `'seed-hu-' || i, 'head-unit', 'private_key_jwt', 'ES256', ${q(HEAD_UNIT_JWKS)}, '["urn:openid:params:grant-type:ciba","refresh_token"]', 'push', 'http://127.0.0.1:9/ciba/notify', 'ES256', false, true, false, ${q(HEAD_UNIT_METADATA)}, false, ${created}, 'ES256', 'ECDH-ES+A256KW', 'A256GCM'`,
    ],
    auth_requests: [
      plan.auth_requests,
      `'seed-req-' || i, encode(sha256(('r' || i)::bytea), 'hex'), 'seed-hu-' || (i % ${plan.clients}), 'seed-owner-' || (i % ${plan.owners}), 'openid', 'Pair ' || (i % 10000), 'push', ${status}, ${created}, ${created} + 120000, 5, ${ifApproved(answered)}, ${ifApproved(`'urn:onboard:acr:passkey'`)}, ${ifApproved(`'seed-device-' || (i % ${plan.owner_devices})`)}, ${ifApproved(answered)}, ${ifApproved(`${answered} + 50`)}, CASE WHEN ${status} = 'denied' THEN 'denied' END`,
    ],
    audit_events: [
      plan.audit_events,
      `'seed-audit-' || i, ${answered}, CASE ${status} WHEN 'consumed' THEN 'auth_request.approved' WHEN 'denied' THEN 'auth_request.denied' ELSE 'auth_request.expired' END, 'seed-hu-' || (i % ${plan.clients}), 'seed-owner-' || (i % ${plan.owners}), 'seed-req-' || i, '{}', encode(sha256(('a' || (i - 1))::bytea), 'hex'), encode(sha256(('a' || i)::bytea), 'hex')`,
    ],
  };
}

/**
 * Seeds a PostgreSQL database the provider has migrated, in one transaction, then ANALYZEs it.
 * @returns {Promise<Record<string, number>>} rows per table
 */
export async function seedPostgres(url, size, { now = Date.now() } = {}) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = Object.fromEntries(Object.entries(rowsOf(size, now)).map(([t, spec]) => [t, spec.columns]));
    const counts = {};
    await client.query('BEGIN');
    for (const [table, [count, select]] of Object.entries(postgresSelects(size, now))) {
      await client.query(
        `INSERT INTO ${table} (${columns[table].map((c) => `"${c}"`).join(', ')}) SELECT ${select} FROM generate_series(0, ${count - 1}) AS i`,
      );
      counts[table] = count;
    }
    await client.query('COMMIT');
    await client.query('ANALYZE');
    return counts;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}
