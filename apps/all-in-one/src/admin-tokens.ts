import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MIN_ADMIN_TOKEN_LENGTH } from '@onboard/config';
import { parseDatabaseUrl } from '@onboard/sql-kit';

/** The admin tokens the all-in-one start needs: the provider's and the bridge's. */
export const ADMIN_TOKEN_NAMES = ['ADMIN_TOKEN', 'BRIDGE_ADMIN_TOKEN'] as const;
export type AdminTokenName = (typeof ADMIN_TOKEN_NAMES)[number];

/** The file generated tokens are kept in, in the data directory. */
export const ADMIN_TOKENS_FILE_NAME = 'admin-tokens.json';

/** The tokens in use and where each came from. */
export interface AdminTokens {
  tokens: Record<AdminTokenName, string>;
  /** `environment`: set by the operator; `file`: kept from an earlier start; `generated`: new now. */
  source: Record<AdminTokenName, 'environment' | 'file' | 'generated'>;
  /** Where generated tokens are kept; undefined for an in-memory database (nothing is kept). */
  file?: string;
  /** Problems worth telling the operator (e.g. a file others can read). */
  warnings: string[];
}

/**
 * Where generated admin tokens are kept: beside the provider's SQLite file (`./data/` by
 * default), in `./data/` when the database is PostgreSQL, nowhere when it is in memory
 * (nothing else outlives the process then either).
 *
 * @example
 * adminTokensFile('sqlite:./data/onboard.sqlite'); // 'data/admin-tokens.json'
 */
export function adminTokensFile(databaseUrl: string): string | undefined {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'postgres') return path.join('data', ADMIN_TOKENS_FILE_NAME);
  if (target.file === ':memory:') return undefined;
  return path.join(path.dirname(target.file), ADMIN_TOKENS_FILE_NAME);
}

/**
 * The admin tokens of the all-in-one start. A token set in the environment wins; otherwise the
 * one kept in `file` from an earlier start is reused; otherwise one is generated (24 random
 * bytes) and kept in `file`, created with mode 0600 (written to a temporary file and renamed,
 * so a crash never leaves half a file). Without a file (in-memory database) generated tokens
 * last for this process only.
 *
 * @throws Error naming the file when it cannot be read or written, or is not what it should be.
 * @example
 * const { tokens } = resolveAdminTokens(env, adminTokensFile(config.databaseUrl));
 */
export function resolveAdminTokens(env: Record<string, string | undefined>, file: string | undefined): AdminTokens {
  const warnings: string[] = [];
  const kept = file === undefined ? {} : readKept(file, warnings);
  const tokens = {} as AdminTokens['tokens'];
  const source = {} as AdminTokens['source'];
  for (const name of ADMIN_TOKEN_NAMES) {
    const configured = env[name]?.trim();
    if (configured) {
      tokens[name] = configured;
      source[name] = 'environment';
    } else if (kept[name] !== undefined) {
      tokens[name] = kept[name];
      source[name] = 'file';
    } else {
      tokens[name] = randomBytes(24).toString('base64url');
      source[name] = 'generated';
    }
  }
  const generated = ADMIN_TOKEN_NAMES.filter((name) => source[name] === 'generated');
  if (file !== undefined && generated.length > 0) {
    write(file, { ...kept, ...Object.fromEntries(generated.map((name) => [name, tokens[name]])) });
  }
  return { tokens, source, file, warnings };
}

function readKept(file: string, warnings: string[]): Partial<Record<AdminTokenName, string>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warnings.push(`${file} can be read by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${file}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON: delete it to have new admin tokens generated`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file} must hold a JSON object: delete it to have new admin tokens generated`);
  }
  const kept: Partial<Record<AdminTokenName, string>> = {};
  for (const name of ADMIN_TOKEN_NAMES) {
    const token = (value as Record<string, unknown>)[name];
    if (token === undefined) continue;
    if (typeof token !== 'string' || token.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new Error(
        `${file}: ${name} must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces: delete it to have a new one generated`,
      );
    }
    kept[name] = token;
  }
  return kept;
}

function write(file: string, tokens: Partial<Record<AdminTokenName, string>>): void {
  const temporary = `${file}.${process.pid}.tmp`;
  let written = false;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // `wx`: never through a file (or link) someone else put there; 0600: the owner alone reads it.
    writeFileSync(temporary, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    written = true;
    renameSync(temporary, file);
  } catch (error) {
    if (written) rmSync(temporary, { force: true });
    throw new Error(`cannot save the generated admin tokens to ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
