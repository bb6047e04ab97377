import { readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import type { JSONWebKeySet } from 'jose';
import { verifyReceipt } from '@onboard/receipts';
import { issueReceipt } from '@onboard/owner-auth';
import { parseArgs } from 'node:util';
import {
  OAuthError,
  createOwner,
  createOwnerDevice,
  createInvitation,
  verifyAuditChain,
  disableClient,
  updateClientBranding,
  BRANDING_FIELDS,
  disableOwner,
  enableOwner,
  listClients,
  listOwners,
  registerClient,
  setOwnerUserCode,
  unlockOwnerUserCode,
  RETIRED_ENCRYPTION_KEY_TTL_MS,
  type EncryptionKeyRecord,
  type ProviderContext,
  type SigningKeyRecord,
} from '@onboard/ciba-core';
import { ConfigError, loadConfig, type ProviderConfig } from '@onboard/config';
import { DatabaseOpenError, DatabaseNotFound, describeDatabase } from '@onboard/sql-kit';
import { createLogger } from '@onboard/platform';
import { rotateKeyEncryptionKey, type KeyEncryption } from '../providers/key-encryption';
import { createProviderRuntime } from '../providers/provider-runtime';

/** Where the CLI writes and what it reads; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

/** Exit codes: 0 ok, 1 the operation failed, 2 bad usage, 3 bad configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2, config: 3 } as const;

export const USAGE = `usage: npm run admin -- <command>

  clients register --file <metadata.json> | --json '<metadata>'   register a client (RFC 7591 metadata);
                                                                  prints client_id and, once, client_secret
  clients list                                                    list clients
  clients disable <client_id>                                     disable a client
  clients branding <client_id> --file <f.json> | --json '<json>'  change what the owner app shows of a client:
                                                                  client_name, logo_uri, onboard_branding,
                                                                  onboard_vehicle, onboard_approval_receipts (null removes)
  owners add --email <e> [--phone <+E164>] [--username <u>] [--name <n>] [--sub <s>] [--user-code <c>]
  owners list                                                     list owners
  owners set-user-code <sub> <code>                               set or replace an owner's user code
  owners unlock-user-code <sub>                                   unlock a user code locked after wrong attempts
  owners add-device <sub> [--name <n>]                            add an owner device; prints its credential once
  owners invite <sub> [--png <file>]                              a one-time enrolment invitation for the owner's
                                                                  phone: prints the link and a QR code (and writes it as PNG)
  owners disable <sub>                                            disable an owner: their tokens end, pending requests are denied
  owners enable <sub>                                             enable an owner again (old tokens stay dead)
  keys rotate                                                     new active RS256, ES256 and PS256 signing keys
                                                                  and a new request-object encryption key
  keys list                                                       list signing (sig) and encryption (enc) keys
  keys rotate-kek                                                 new key-encryption key; re-wraps every
                                                                  stored private key under it
  audit verify                                                    re-check the audit log's hash chain and every stored
                                                                  approval assertion; reports the first break (exit 1)
  receipts verify <file> --jwks <jwks.json>                       verify an approval receipt offline with the provider's
                                                                  JWKS only; says which check failed (exit 1)

  --create   create the database if it does not exist (otherwise the command refuses to run)

Configuration comes from the environment (DATABASE_URL, KEY_ENCRYPTION_KEY[_FILE], ISSUER, …) as
for the provider. The database in use is named on stderr.`;

class UsageError extends Error {}

type Flags = Record<string, string | boolean | undefined>;

/** What a command may use besides the core context. */
interface CommandEnv {
  config: ProviderConfig;
  keyEncryption: KeyEncryption;
}

interface Command {
  /** Option names taking a value. */
  options?: string[];
  /** Number of positional arguments. */
  positionals: number;
  run(ctx: ProviderContext, args: string[], flags: Flags, out: (line: string) => void, env: CommandEnv): Promise<void>;
}

function str(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** Left-aligned columns for list output. */
function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function pick(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]));
}

function readMetadata(flags: Flags): Record<string, unknown> {
  const file = str(flags, 'file');
  const json = str(flags, 'json');
  if ((file === undefined) === (json === undefined)) throw new UsageError('give exactly one of --file and --json');
  let text: string;
  try {
    text = file !== undefined ? readFileSync(file, 'utf8') : (json as string);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('the client metadata is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError('the client metadata must be a JSON object');
  }
  return value as Record<string, unknown>;
}

const COMMANDS: Record<string, Command> = {
  'clients register': {
    options: ['file', 'json'],
    positionals: 0,
    async run(ctx, _args, flags, out) {
      const metadata = readMetadata(flags);
      // As in the admin API, an operator may choose the client_id (e.g. a head-unit's device id).
      const clientId = typeof metadata.client_id === 'string' ? metadata.client_id : undefined;
      const { client, clientSecret } = await registerClient(ctx, metadata, { skipInitialAccessToken: true, clientId });
      out(`client_id: ${client.clientId}`);
      if (clientSecret) out(`client_secret: ${clientSecret}   (shown once: store it now)`);
    },
  },
  'clients list': {
    positionals: 0,
    async run(ctx, _args, _flags, out) {
      const clients = await listClients(ctx);
      out(
        table([
          ['CLIENT_ID', 'NAME', 'AUTH', 'MODE', 'STATUS'],
          ...clients.map((c) => [
            c.clientId,
            c.clientName ?? '',
            c.tokenEndpointAuthMethod,
            c.backchannelTokenDeliveryMode,
            c.disabled ? 'disabled' : 'active',
          ]),
        ]),
      );
    },
  },
  'clients disable': {
    positionals: 1,
    async run(ctx, [clientId], _flags, out) {
      await disableClient(ctx, clientId);
      out(`client ${clientId} disabled`);
    },
  },
  'clients branding': {
    options: ['file', 'json'],
    positionals: 1,
    async run(ctx, [clientId], flags, out) {
      const changes = readMetadata(flags);
      const unknown = Object.keys(changes).filter((k) => !(BRANDING_FIELDS as readonly string[]).includes(k));
      if (unknown.length > 0) {
        throw new UsageError(
          `unknown field ${unknown.map((k) => `'${k}'`).join(', ')}: give ${BRANDING_FIELDS.join(', ')}`,
        );
      }
      const client = await updateClientBranding(ctx, clientId, changes);
      out(`client ${clientId} branding updated: ${Object.keys(changes).sort().join(', ') || 'nothing changed'}`);
      out(JSON.stringify({ client_name: client.clientName, ...pick(client.metadata, BRANDING_FIELDS.slice(1)) }));
    },
  },
  'owners add': {
    options: ['email', 'phone', 'username', 'name', 'sub', 'user-code'],
    positionals: 0,
    async run(ctx, _args, flags, out) {
      const input = {
        sub: str(flags, 'sub'),
        email: str(flags, 'email'),
        phoneNumber: str(flags, 'phone'),
        username: str(flags, 'username'),
        name: str(flags, 'name'),
        userCode: str(flags, 'user-code'),
      };
      if (!input.email && !input.phoneNumber && !input.username && !input.sub) {
        throw new UsageError('give at least one of --email, --phone, --username, --sub');
      }
      const owner = await createOwner(ctx, input);
      out(`sub: ${owner.sub}`);
    },
  },
  'owners list': {
    positionals: 0,
    async run(ctx, _args, _flags, out) {
      const owners = await listOwners(ctx);
      out(
        table([
          ['SUB', 'EMAIL', 'PHONE', 'USERNAME', 'NAME', 'USER_CODE', 'STATUS'],
          ...owners.map((o) => [
            o.sub,
            o.email ?? '',
            o.phoneNumber ?? '',
            o.username ?? '',
            o.name ?? '',
            o.userCodeHash ? 'set' : '',
            o.disabled ? 'disabled' : 'active',
          ]),
        ]),
      );
    },
  },
  'owners set-user-code': {
    positionals: 2,
    async run(ctx, [sub, code], _flags, out) {
      await setOwnerUserCode(ctx, sub, code);
      out(`user code of ${sub} set`);
    },
  },
  'owners unlock-user-code': {
    positionals: 1,
    async run(ctx, [sub], _flags, out) {
      await unlockOwnerUserCode(ctx, sub);
      out(`user code of ${sub} unlocked`);
    },
  },
  'owners add-device': {
    options: ['name'],
    positionals: 1,
    async run(ctx, [sub], flags, out) {
      const { device, credential } = await createOwnerDevice(ctx, { sub, name: str(flags, 'name') });
      out(`device_id: ${device.id}`);
      out(`credential: ${credential}   (shown once: configure the device with it now)`);
    },
  },
  'owners invite': {
    options: ['png'],
    positionals: 1,
    async run(ctx, [sub], flags, out) {
      const { invitation, url } = await createInvitation(ctx, sub);
      out(`invitation: ${url}`);
      out(`expires at: ${new Date(invitation.expiresAt).toISOString()} (one use)`);
      out(await QRCode.toString(url, { type: 'terminal', small: true }));
      const png = str(flags, 'png');
      if (png) {
        await QRCode.toFile(png, url, { type: 'png', margin: 2, width: 480 });
        out(`QR code written to ${png}`);
      }
    },
  },
  'owners disable': {
    positionals: 1,
    async run(ctx, [sub], _flags, out) {
      await disableOwner(ctx, sub);
      out(`owner ${sub} disabled: their tokens are revoked and their pending requests denied`);
    },
  },
  'owners enable': {
    positionals: 1,
    async run(ctx, [sub], _flags, out) {
      await enableOwner(ctx, sub);
      out(`owner ${sub} enabled; tokens issued before the disable stay revoked`);
    },
  },
  'audit verify': {
    positionals: 0,
    async run(ctx, _args, _flags, out) {
      const chain = await ctx.stores.audit.chain();
      const broken = verifyAuditChain(chain);
      if (broken) {
        throw new Error(`audit chain broken at entry #${broken.index + 1} (id ${broken.id}): ${broken.reason}`);
      }
      out(`audit chain: ${chain.length} entries, intact`);
      // Every stored approval assertion is re-checked as a receipt would be: signed now, verified offline.
      const jwks = await ctx.keys.jwks();
      const assertions = await ctx.stores.passkeys.listAssertions();
      for (const assertion of assertions) {
        const verdict = await verifyReceipt(await issueReceipt(ctx, assertion, 'audit'), jwks);
        if (!verdict.ok) {
          throw new Error(`approval of request ${assertion.authRequestId}: ${verdict.check} failed: ${verdict.reason}`);
        }
      }
      out(`approval assertions: ${assertions.length}, all verify`);
    },
  },
  'receipts verify': {
    // Runs offline before any database is opened (see verifyReceiptFile).
    options: ['jwks'],
    positionals: 1,
    async run() {
      throw new Error('receipts verify runs without a database');
    },
  },
  'keys rotate': {
    positionals: 0,
    async run(ctx, _args, _flags, out) {
      const kids = await ctx.keys.rotate();
      out(`new active keys: ${kids.join(', ')}`);
      out('previous keys stay published until the tokens they signed have expired');
      if (ctx.requestObjectKeys) {
        const kid = await ctx.requestObjectKeys.rotate();
        out(`new request-object encryption key: ${kid}`);
        out(
          `the previous one is no longer published and decrypts for ${RETIRED_ENCRYPTION_KEY_TTL_MS / 3_600_000} more hours`,
        );
      }
    },
  },
  'keys list': {
    positionals: 0,
    async run(ctx, _args, _flags, out, { keyEncryption }) {
      const wrappedUnder = (k: { wrappedPrivateKey?: string }) =>
        k.wrappedPrivateKey !== undefined ? (keyEncryption.wrapper.keyIdOf(k.wrappedPrivateKey) ?? '?') : 'clear';
      const row = (use: string, k: SigningKeyRecord | EncryptionKeyRecord) => [
        k.kid,
        use,
        k.alg,
        k.status,
        new Date(k.createdAt).toISOString(),
        k.expiresAt ? new Date(k.expiresAt).toISOString() : '',
        wrappedUnder(k),
      ];
      out(
        table([
          ['KID', 'USE', 'ALG', 'STATUS', 'CREATED', 'RETIRED_UNTIL', 'WRAPPED_UNDER'],
          ...(await ctx.stores.signingKeys.list()).map((k) => row('sig', k)),
          ...(await ctx.stores.encryptionKeys.list()).map((k) => row('enc', k)),
        ]),
      );
    },
  },
  'keys rotate-kek': {
    positionals: 0,
    async run(ctx, _args, _flags, out, { config, keyEncryption }) {
      const rotation = await rotateKeyEncryptionKey(keyEncryption, config.keyEncryption, ctx.stores);
      out(`key-encryption key: ${rotation.current}`);
      out(`re-wrapped signing keys: ${rotation.rewrapped.length}`);
      out(`re-wrapped encryption keys: ${rotation.rewrappedEncryptionKeys.length}`);
      if (rotation.source.kind === 'file') {
        out(`${rotation.source.file} now holds only the new key: back it up now, apart from the database`);
        if (rotation.previous.length > 0) {
          out(
            `previous key(s) ${rotation.previous.join(', ')} removed: keep their backup as long as database backups made before now`,
          );
        }
      } else if (rotation.previous.length > 0) {
        out(`no stored key needs ${rotation.previous.join(', ')} any more: remove it from KEY_ENCRYPTION_KEY`);
      }
    },
  },
};

/** `receipts verify FILE --jwks JWKS`: offline, no database; exit 1 names the failed check. */
async function verifyReceiptFile(file: string, flags: Flags, io: CliIo): Promise<number> {
  const jwksFile = str(flags, 'jwks');
  if (!jwksFile) {
    io.stderr("receipts verify needs --jwks <file> (the provider's JWKS, e.g. saved from /jwks)\n");
    return EXIT.usage;
  }
  try {
    const text = readFileSync(file, 'utf8').trim();
    // A file holding the endpoint's JSON answer, or the JWS alone.
    const receipt = text.startsWith('{') ? String((JSON.parse(text) as { receipt?: unknown }).receipt) : text;
    const verdict = await verifyReceipt(receipt, JSON.parse(readFileSync(jwksFile, 'utf8')) as JSONWebKeySet);
    if (!verdict.ok) {
      io.stderr(`receipt NOT valid: ${verdict.check} check failed: ${verdict.reason}\n`);
      return EXIT.failed;
    }
    const { payload } = verdict;
    io.stdout(
      `receipt valid: provider signature, challenge, authenticator data and owner signature verify\n` +
        `  issuer ${payload.iss}, owner ${payload.sub}, client ${payload.aud}, approved ${new Date(payload.approved_at * 1000).toISOString()}\n` +
        `  committed: ${JSON.stringify(payload.commitment)}\n`,
    );
    return EXIT.ok;
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
}

/**
 * The admin CLI: `clients`, `owners`, `keys` commands against the configured
 * database directly (no HTTP), through the core's admin functions. It names the
 * database on stderr and opens only an existing one unless `--create` is given.
 * Returns the exit code.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [group, action, ...rest] = argv;
  if (!group || group === 'help' || group === '--help' || group === '-h') {
    io.stdout(`${USAGE}\n`);
    return group ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[`${group} ${action ?? ''}`];
  if (!command) {
    io.stderr(`unknown command: ${[group, action].filter(Boolean).join(' ')}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  let positionals: string[];
  let flags: Flags;
  try {
    const parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries((command.options ?? []).map((name) => [name, { type: 'string' as const }])),
        create: { type: 'boolean' as const },
      },
    });
    positionals = parsed.positionals;
    flags = parsed.values as Flags;
    if (positionals.length !== command.positionals) {
      throw new UsageError(`${group} ${action} takes ${command.positionals} argument(s), got ${positionals.length}`);
    }
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }

  if (`${group} ${action}` === 'receipts verify') return verifyReceiptFile(positionals[0], flags, io);

  let config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`configuration error: ${error.message}\n`);
      return EXIT.config;
    }
    throw error;
  }
  // Name the database before opening it, so a wrong DATABASE_URL (or working directory) shows.
  io.stderr(`database: ${describeDatabase(config.databaseUrl)}\n`);
  // Warnings (a database directory others can enter, keys wrapped on upgrade) reach the
  // operator; info lines would drown the output. LOG_LEVEL=error or silent quiets them too.
  const level = config.logLevel === 'error' || config.logLevel === 'silent' ? config.logLevel : 'warn';
  const logger = createLogger({ level, write: (line) => io.stderr(line) });
  let runtime;
  try {
    runtime = await createProviderRuntime(config, { logger, workers: false, createDatabase: flags.create === true });
  } catch (error) {
    if (error instanceof DatabaseNotFound) {
      io.stderr(`error: ${error.message}; check DATABASE_URL, or pass --create to create a new database\n`);
      return EXIT.config;
    }
    if (error instanceof ConfigError) {
      io.stderr(`configuration error: ${error.message}\n`);
      return EXIT.config;
    }
    // DatabaseOpenError names DATABASE_URL, the database and the cause.
    const message = error instanceof DatabaseOpenError ? error.message : ((error as Error)?.message ?? String(error));
    io.stderr(`error: ${message}\n`);
    return EXIT.failed;
  }
  try {
    await command.run(runtime.ctx, positionals, flags, (line) => io.stdout(`${line}\n`), {
      config,
      keyEncryption: runtime.keyEncryption,
    });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof OAuthError) {
      io.stderr(`error: ${error.code}${error.message ? `: ${error.message}` : ''}\n`);
      return EXIT.failed;
    }
    io.stderr(`error: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.failed;
  } finally {
    await runtime.stop();
  }
}
