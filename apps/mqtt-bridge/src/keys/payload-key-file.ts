import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BridgePayloadKeys } from '@onboard/bridge-core';
import type { Logger } from '@onboard/platform';
import type { JWK } from 'jose';

/**
 * The bridge's payload encryption keys from `file` (a private JWK set, `{"keys": [...]}`), created
 * with one fresh P-256 key (mode 0600) when the file does not exist yet. Every bridge replica
 * must read the same file: a device seals to one key.
 * @throws Error naming the file when it cannot be read or holds no usable key
 */
export async function loadPayloadKeyFile(file: string, logger: Logger): Promise<BridgePayloadKeys> {
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`BRIDGE_ENCRYPTION_KEY_FILE ${file} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }
  if (text === undefined) {
    const { keys, privateJwks } = await BridgePayloadKeys.generate();
    // Owner-only, as the provider's data directory: the file holds a private key.
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // 'wx': a replica that created the file first wins; this one reads it
    try {
      await writeFile(file, `${JSON.stringify({ keys: privateJwks }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadPayloadKeyFile(file, logger);
      throw new Error(`BRIDGE_ENCRYPTION_KEY_FILE ${file} cannot be written: ${(err as Error).message}`, {
        cause: err,
      });
    }
    logger.info('bridge encryption key created', { file, kid: keys.current.kid });
    return keys;
  }
  let jwks: { keys?: unknown };
  try {
    jwks = JSON.parse(text) as { keys?: unknown };
  } catch (err) {
    throw new Error(`BRIDGE_ENCRYPTION_KEY_FILE ${file} is not JSON (expected {"keys": [private JWKs]})`, {
      cause: err,
    });
  }
  if (!Array.isArray(jwks.keys)) {
    throw new Error(`BRIDGE_ENCRYPTION_KEY_FILE ${file} has no "keys" array (expected {"keys": [private JWKs]})`);
  }
  try {
    return await BridgePayloadKeys.fromPrivateJwks(jwks.keys as JWK[]);
  } catch (err) {
    throw new Error(`BRIDGE_ENCRYPTION_KEY_FILE ${file}: ${(err as Error).message}`, { cause: err });
  }
}
