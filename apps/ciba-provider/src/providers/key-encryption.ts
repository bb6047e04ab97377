import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import {
  KEY_ENCRYPTION_KEY_BYTES,
  createLocalKeyWrapper,
  ephemeralKeyWrapper,
  keyEncryptionKeyId,
  rewrapEncryptionKeys,
  rewrapKeys,
  rewrapSigningKeys,
  wrappingKeyIds,
  type KeyWrapper,
  type Stores,
} from '@onboard/ciba-core';
import { vapidKeyStore, vapidWrapContext } from '@onboard/owner-auth';
import type { Logger } from '@onboard/platform';
import { ConfigError, parseKeyEncryptionKeys, type KeyEncryptionConfig } from '@onboard/config';
import { PRIVATE_DIRECTORY_MODE, PRIVATE_FILE_MODE, parseDatabaseUrl } from '@onboard/sql-kit';

const FILE_VARIABLE = 'KEY_ENCRYPTION_KEY_FILE';
/** Name of the default KEK file, beside the SQLite database. */
export const DEFAULT_KEK_FILE_NAME = 'onboard.kek';

/** Where the KEKs come from, as opened for this process. */
export type KeySource =
  { kind: 'environment' } | { kind: 'file'; file: string } | { kind: 'ephemeral' } | { kind: 'supplied' };

/** The key-encryption side of a running provider: the wrapper and where its keys come from. */
export interface KeyEncryption {
  wrapper: KeyWrapper;
  source: KeySource;
}

/** What `keys rotate-kek` did. */
export interface KekRotation {
  /** The KEK every key is now wrapped under. */
  current: string;
  /** KEKs no longer needed by the database (dropped from the file, or to drop from the environment). */
  previous: string[];
  /** Signing keys re-wrapped (or wrapped, if they were still in clear). */
  rewrapped: string[];
  /** Request-object encryption keys re-wrapped (or wrapped, if they were still in clear). */
  rewrappedEncryptionKeys: string[];
  source: KeySource;
}

/** The stores holding wrapped private keys: the signing keys and the request-object encryption keys. */
export type WrappedKeyStores = Pick<Stores, 'signingKeys' | 'encryptionKeys' | 'push'>;

/**
 * The KEK file of a deployment: KEY_ENCRYPTION_KEY_FILE, else `onboard.kek` beside the SQLite
 * database (`./data/onboard.kek` with PostgreSQL); none for an in-memory database, whose keys
 * die with the process anyway.
 */
export function kekFileOf(config: KeyEncryptionConfig, databaseUrl: string): string | undefined {
  if (config.file !== undefined) return path.resolve(config.file);
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'postgres') return path.resolve('data', DEFAULT_KEK_FILE_NAME);
  if (target.file === ':memory:') return undefined;
  return path.join(path.dirname(path.resolve(target.file)), DEFAULT_KEK_FILE_NAME);
}

function readKekFile(file: string): Uint8Array[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(FILE_VARIABLE, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    return parseKeyEncryptionKeys(FILE_VARIABLE, text);
  } catch (error) {
    // Name the file as well as the variable (which may be unset: the default file).
    if (error instanceof ConfigError)
      throw new ConfigError(FILE_VARIABLE, `${file}: ${error.message.slice(FILE_VARIABLE.length + 2)}`);
    throw error;
  }
}

/** Write `keys` to a new temporary file beside `file` (0600, flushed); returns its path. */
function writeTemporary(file: string, keys: readonly Uint8Array[]): string {
  const directory = path.dirname(file);
  if (!existsSync(directory)) mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, keys.map((key) => Buffer.from(key).toString('base64')).join('\n') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temporary;
}

/**
 * Replace the KEK file atomically, 0600 in a 0700 directory: a temporary file is written and
 * flushed, then renamed over the old one, so a crash leaves either the old or the new file.
 */
export function writeKekFile(file: string, keys: readonly Uint8Array[]): void {
  renameSync(writeTemporary(file, keys), file);
}

/**
 * Create the KEK file with one fresh key unless it exists: the complete file is linked into
 * place, which fails if another process starting at the same time created it first (its key
 * is then used), and nobody ever reads a half-written file.
 */
function createKekFile(file: string): void {
  const temporary = writeTemporary(file, [randomBytes(KEY_ENCRYPTION_KEY_BYTES)]);
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/** KEK ids the stored keys (signing, encryption and VAPID keys) are wrapped under. */
async function storedKeyKekIds(stores: WrappedKeyStores, wrapper: KeyWrapper): Promise<string[]> {
  const ids = [
    ...(await wrappingKeyIds(stores.signingKeys, wrapper)),
    ...(await wrappingKeyIds(stores.encryptionKeys, wrapper)),
    ...(await wrappingKeyIds(vapidKeyStore(stores.push), wrapper)),
  ];
  return [...new Set(ids)];
}

/** Re-wrap every stored private key (signing, encryption and VAPID keys) under the wrapper's current KEK. */
async function rewrapAll(
  stores: WrappedKeyStores,
  wrapper: KeyWrapper,
): Promise<{ signing: string[]; encryption: string[] }> {
  const signing = await rewrapSigningKeys(stores.signingKeys, wrapper, { all: true });
  const encryption = await rewrapEncryptionKeys(stores.encryptionKeys, wrapper, { all: true });
  // The Web Push key (RFC 8292) too: a KEK dropped from the file must leave no key behind.
  await rewrapKeys(vapidKeyStore(stores.push), wrapper, vapidWrapContext, { all: true });
  return {
    signing: [...signing.wrapped, ...signing.rewrapped],
    encryption: [...encryption.wrapped, ...encryption.rewrapped],
  };
}

/**
 * Open the key-encryption keys of the provider: KEY_ENCRYPTION_KEY, else the KEK file (see
 * {@link kekFileOf}). The file is generated (0600, one random 256-bit key) on first start,
 * but never while the database holds keys wrapped under some KEK: a missing file then stops
 * start-up instead of leaving the provider with keys it cannot read. A file others can read
 * is reported.
 */
export async function openKeyEncryption(
  config: KeyEncryptionConfig,
  databaseUrl: string,
  stores: WrappedKeyStores,
  logger: Logger,
): Promise<KeyEncryption> {
  if (config.keys !== undefined) {
    return { wrapper: await createLocalKeyWrapper(config.keys), source: { kind: 'environment' } };
  }
  const file = kekFileOf(config, databaseUrl);
  if (file === undefined) return { wrapper: await ephemeralKeyWrapper(), source: { kind: 'ephemeral' } };
  if (!existsSync(file)) {
    const probe = await ephemeralKeyWrapper();
    const needed = await storedKeyKekIds(stores, probe);
    if (needed.length > 0) {
      throw new ConfigError(
        FILE_VARIABLE,
        `${file} does not exist, but the database's private keys are wrapped under key-encryption key ${needed.join(', ')}: ` +
          'restore the file from its backup (or set KEY_ENCRYPTION_KEY_FILE / KEY_ENCRYPTION_KEY to that key)',
      );
    }
    createKekFile(file);
    logger.info('key-encryption key generated', { file, advice: 'back it up apart from the database' });
  } else {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      logger.warn('the key-encryption key file is readable by other users', {
        file,
        mode: mode.toString(8),
        advice: `chmod 600 ${file}`,
      });
    }
  }
  const wrapper = await createLocalKeyWrapper(readKekFile(file), { reload: async () => readKekFile(file) });
  return { wrapper, source: { kind: 'file', file } };
}

/**
 * `keys rotate-kek`: with a KEK file, a new KEK is generated and put first in the file (the
 * old ones stay while the keys are re-wrapped), every stored private key (signing keys and
 * request-object encryption keys) is re-wrapped under it, then the old KEKs are dropped from
 * the file. With KEY_ENCRYPTION_KEY, the operator has
 * put the new key first already: every key is re-wrapped under it, and the others can then
 * be removed from the environment. Each key is rewritten on its own, so an interrupted run
 * is simply repeated.
 */
export async function rotateKeyEncryptionKey(
  encryption: KeyEncryption,
  config: KeyEncryptionConfig,
  stores: WrappedKeyStores,
): Promise<KekRotation> {
  const { source } = encryption;
  if (source.kind === 'ephemeral' || source.kind === 'supplied') {
    throw new Error(
      source.kind === 'ephemeral'
        ? 'an in-memory database keeps no keys at rest: there is no key-encryption key to rotate'
        : 'the key-encryption keys are supplied by the host application: rotate them there',
    );
  }
  if (source.kind === 'environment') {
    const wrapper = encryption.wrapper;
    const before = await storedKeyKekIds(stores, wrapper);
    const rewrapped = await rewrapAll(stores, wrapper);
    const current = wrapper.currentKeyId;
    const others = await Promise.all((config.keys ?? []).map((key) => keyEncryptionKeyId(key)));
    return {
      current,
      previous: [...new Set([...before, ...others])].filter((id) => id !== current),
      rewrapped: rewrapped.signing,
      rewrappedEncryptionKeys: rewrapped.encryption,
      source,
    };
  }
  const old = readKekFile(source.file);
  const fresh = new Uint8Array(randomBytes(KEY_ENCRYPTION_KEY_BYTES));
  writeKekFile(source.file, [fresh, ...old]);
  const wrapper = await createLocalKeyWrapper([fresh, ...old]);
  const rewrapped = await rewrapAll(stores, wrapper);
  writeKekFile(source.file, [fresh]);
  return {
    current: wrapper.currentKeyId,
    previous: await Promise.all(old.map((key) => keyEncryptionKeyId(key))),
    rewrapped: rewrapped.signing,
    rewrappedEncryptionKeys: rewrapped.encryption,
    source,
  };
}
