import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DeviceClientError } from '../errors';
import type { DeviceJwsHeader, DeviceKeyStore, DevicePublicJwks } from './device-key-store';
import { MemoryKeyStore, generateDeviceKeys, type DevicePrivateJwks } from './memory-key-store';

/** File format version of {@link FileKeyStore}. */
const FORMAT = 'onboard-device-keys/1';

/**
 * The default key store: the device's private JWKs in one JSON file readable by its owner only
 * (mode 0600, in a directory created with mode 0700). The keys are generated on first use, on the
 * device; they never leave it. A file that group or others can read is refused, like OpenSSH does
 * with private keys.
 *
 * Prefer an HSM/TPM-backed {@link DeviceKeyStore} where the hardware has one.
 * @example
 * const keys = new FileKeyStore('/var/lib/head-unit/onboard-keys.json');
 * console.log(JSON.stringify(await keys.getPublicJwks())); // register these with the fleet
 * const client = await connect({ url, deviceId, keys, providerIssuer, providerJwks });
 */
export class FileKeyStore implements DeviceKeyStore {
  private loaded: Promise<MemoryKeyStore> | undefined;

  /** @param path the key file; created (with its directory) on first use when missing. */
  constructor(readonly path: string) {}

  /** {@inheritDoc DeviceKeyStore.getPublicJwks} */
  async getPublicJwks(): Promise<DevicePublicJwks> {
    return (await this.store()).getPublicJwks();
  }

  /** {@inheritDoc DeviceKeyStore.thumbprint} */
  async thumbprint(): Promise<string> {
    return (await this.store()).thumbprint();
  }

  /** {@inheritDoc DeviceKeyStore.signJwt} */
  async signJwt(header: DeviceJwsHeader, payload: Record<string, unknown>): Promise<string> {
    return (await this.store()).signJwt(header, payload);
  }

  /** {@inheritDoc DeviceKeyStore.decrypt} */
  async decrypt(jwe: string): Promise<Uint8Array> {
    return (await this.store()).decrypt(jwe);
  }

  private store(): Promise<MemoryKeyStore> {
    this.loaded ??= this.loadOrCreate().catch((err: unknown) => {
      this.loaded = undefined; // a later call may succeed (e.g. the storage was not mounted yet)
      throw err instanceof DeviceClientError
        ? err
        : new DeviceClientError('key_store_error', `device key file ${this.path} unusable`, { cause: err });
    });
    return this.loaded;
  }

  private async loadOrCreate(): Promise<MemoryKeyStore> {
    const existing = await this.read();
    if (existing) return new MemoryKeyStore(existing);
    const { privateJwks } = await generateDeviceKeys();
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ format: FORMAT, ...privateJwks }, null, 2) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600); // the umask may have narrowed the mode, never widened; make it exact
    try {
      // link() fails if the file exists: of two processes creating keys at once, the first one wins
      await link(temp, this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const first = await this.read();
      if (!first) throw err;
      return new MemoryKeyStore(first);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    return new MemoryKeyStore(privateJwks);
  }

  private async read(): Promise<DevicePrivateJwks | undefined> {
    let info;
    try {
      info = await stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new DeviceClientError(
        'key_store_error',
        `device key file ${this.path} is accessible by group or others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
      );
    }
    const parsed = JSON.parse(await readFile(this.path, 'utf8')) as Partial<DevicePrivateJwks> & { format?: string };
    if (parsed.format !== FORMAT || !parsed.signing || !parsed.encryption) {
      throw new DeviceClientError('key_store_error', `device key file ${this.path} is not in ${FORMAT} format`);
    }
    return { signing: parsed.signing, encryption: parsed.encryption };
  }
}
