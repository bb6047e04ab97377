import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadBridgeAdminClientConfig } from '@onboard/config';
import { describeFetchFailure } from './fetch-failure';

/** Where the CLI writes and what it reads; tests pass their own. */
export interface BridgeAdminCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

/** The bridge admin API could not be reached; the message names the URL and the cause. */
class BridgeUnreachable extends Error {}

/** Exit codes: 0 ok, 1 the operation failed (or some import lines failed), 2 bad usage, 3 bad configuration. */
export const BRIDGE_ADMIN_EXIT = { ok: 0, failed: 1, usage: 2, config: 3 } as const;

export const BRIDGE_ADMIN_USAGE = `usage: npm run bridge-admin -- devices <command>

  devices register --device-id <id> --jwks-file <jwks.json> [--name <n>]
                                        register a device (its public {"keys": [sig, enc]})
  devices import --file <fleet.jsonl>   register many devices, one {"device_id", "jwks", "name"?} per line
  devices disable <id>                  disable a device (connection closed, tokens inactive)
  devices revoke <id>                   revoke a device for good
  devices get <id>                      show one device
  devices list [--status active|disabled|revoked]
                                        list devices

environment: BRIDGE_ADMIN_URL (default http://localhost:4001), BRIDGE_ADMIN_TOKEN
`;

/**
 * The bridge admin CLI: a thin HTTP client of the bridge admin API (`/admin/v1/devices`).
 * Resolves with the exit code.
 * @example
 * await runBridgeAdminCli(['devices', 'revoke', 'hu-7f3a'], { stdout, stderr, env: process.env });
 */
export async function runBridgeAdminCli(argv: string[], io: BridgeAdminCliIo): Promise<number> {
  let config;
  try {
    config = loadBridgeAdminClientConfig(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(`configuration error: ${err.message}\n`);
    return BRIDGE_ADMIN_EXIT.config;
  }
  const [group, command, ...rest] = argv;
  if (group !== 'devices' || !command) return usage(io);
  if (!config.token) {
    io.stderr('configuration error: BRIDGE_ADMIN_TOKEN is required\n');
    return BRIDGE_ADMIN_EXIT.config;
  }
  const call = async (method: string, path: string, body?: string) => {
    let res: Response;
    try {
      res = await (io.fetch ?? fetch)(config.url + path, {
        method,
        headers: { authorization: `Bearer ${config.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body,
      });
    } catch (err) {
      // Name the URL and why (ECONNREFUSED, ENOTFOUND…), not just "fetch failed".
      throw new BridgeUnreachable(describeFetchFailure(config.url + path, err));
    }
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = { error: `http_${res.status}` };
    }
    return { ok: res.ok, json };
  };
  const fail = (json: any) => {
    io.stderr(`error: ${json.error}${json.error_description ? `: ${json.error_description}` : ''}\n`);
    return BRIDGE_ADMIN_EXIT.failed;
  };

  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        'device-id': { type: 'string' },
        'jwks-file': { type: 'string' },
        name: { type: 'string' },
        file: { type: 'string' },
        status: { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
    return usage(io);
  }
  const { values, positionals } = parsed;
  const id = positionals[0];

  const dispatch = async (): Promise<number> => {
    switch (command) {
      case 'register': {
        if (!values['device-id'] || !values['jwks-file']) return usage(io);
        const jwks = JSON.parse(await readFile(values['jwks-file'], 'utf8')) as unknown;
        const res = await call(
          'POST',
          '/admin/v1/devices',
          JSON.stringify({ device_id: values['device-id'], jwks, ...(values.name ? { name: values.name } : {}) }),
        );
        if (!res.ok) return fail(res.json);
        io.stdout(`${res.json.device_id} ${res.json.outcome}\n`);
        return BRIDGE_ADMIN_EXIT.ok;
      }
      case 'import': {
        if (!values.file) return usage(io);
        const res = await call('POST', '/admin/v1/devices:import', await readFile(values.file, 'utf8'));
        if (!res.ok) return fail(res.json);
        for (const r of res.json.results as Array<Record<string, string>>) {
          if (r.outcome === 'failed')
            io.stderr(`line ${r.line}${r.device_id ? ` (${r.device_id})` : ''}: ${r.error}: ${r.error_description}\n`);
        }
        io.stdout(`registered ${res.json.registered}, unchanged ${res.json.unchanged}, failed ${res.json.failed}\n`);
        return res.json.failed > 0 ? BRIDGE_ADMIN_EXIT.failed : BRIDGE_ADMIN_EXIT.ok;
      }
      case 'disable':
      case 'revoke':
      case 'get': {
        if (!id) return usage(io);
        const path = `/admin/v1/devices/${encodeURIComponent(id)}`;
        const res = command === 'get' ? await call('GET', path) : await call('POST', `${path}/${command}`);
        if (!res.ok) return fail(res.json);
        io.stdout(
          command === 'get' ? `${JSON.stringify(res.json, null, 2)}\n` : `${res.json.device_id} ${res.json.status}\n`,
        );
        return BRIDGE_ADMIN_EXIT.ok;
      }
      case 'list': {
        let after: string | undefined;
        do {
          const query = new URLSearchParams({ limit: '1000' });
          if (values.status) query.set('status', values.status);
          if (after) query.set('after', after);
          const res = await call('GET', `/admin/v1/devices?${query}`);
          if (!res.ok) return fail(res.json);
          for (const d of res.json.devices as Array<Record<string, string>>)
            io.stdout(`${d.device_id}\t${d.status}\t${d.created_at}\n`);
          after = res.json.next_after;
        } while (after);
        return BRIDGE_ADMIN_EXIT.ok;
      }
      default:
        return usage(io);
    }
  };
  try {
    return await dispatch();
  } catch (err) {
    if (!(err instanceof BridgeUnreachable)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return BRIDGE_ADMIN_EXIT.failed;
  }
}

function usage(io: BridgeAdminCliIo): number {
  io.stderr(BRIDGE_ADMIN_USAGE);
  return BRIDGE_ADMIN_EXIT.usage;
}
