import type { KeyWrapper } from '../ports/key-wrapper.port';

/** A stored key whose private part is wrapped under a KEK, or in clear on a row from before wrapping. */
export interface WrappableKeyRecord {
  kid: string;
  /** The private JWK wrapped by the {@link KeyWrapper}. */
  wrappedPrivateKey?: string;
  /** The private JWK in clear: only rows written before private keys were wrapped. */
  privateJwk?: Record<string, unknown>;
}

/** The part of a key store that wrapping needs. */
export interface WrappableKeyStore<R extends WrappableKeyRecord> {
  list(): Promise<R[]>;
  save(key: R): Promise<void>;
}

/**
 * Which key a wrapped value belongs to (`signing key <kid>`, `encryption key <kid>`): bound to
 * the ciphertext, so a wrapped key copied onto another row, or into the other table, does not
 * unwrap.
 */
export type WrapContext = (kid: string) => string;

/** Wrap a private JWK for storage (the database never holds it in clear). */
export function wrapPrivateJwk(
  wrapper: KeyWrapper,
  context: string,
  privateJwk: Record<string, unknown>,
): Promise<string> {
  return wrapper.wrap(Buffer.from(JSON.stringify(privateJwk)), context);
}

/** The private JWK of a stored key: unwrapped, or as a row from before wrapping holds it. */
export async function privateJwkOf(
  wrapper: KeyWrapper,
  record: WrappableKeyRecord,
  contextOf: WrapContext,
): Promise<Record<string, unknown>> {
  if (record.wrappedPrivateKey !== undefined) {
    const bytes = await wrapper.unwrap(record.wrappedPrivateKey, contextOf(record.kid));
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  }
  if (record.privateJwk !== undefined) return record.privateJwk;
  throw new Error(`${contextOf(record.kid)} has no private key`);
}

/** What {@link rewrapKeys} did, by kid. */
export interface RewrapResult {
  /** Keys stored in clear before, now wrapped. */
  wrapped: string[];
  /** Keys wrapped under another KEK before, now under the current one. */
  rewrapped: string[];
  /** Keys already wrapped under the current KEK. */
  unchanged: string[];
}

/**
 * Wrap every private key of `store` that is stored in clear (rows from before keys were
 * wrapped) and, with `all`, re-wrap every key made under another KEK under the wrapper's
 * current one (a KEK rotation). Each row is rewritten on its own: a row is readable under
 * its old KEK until it is rewritten, so an interrupted run can simply be repeated.
 *
 * @example
 * const { wrapped } = await rewrapKeys(stores.encryptionKeys, wrapper, (kid) => `encryption key ${kid}`);
 */
export async function rewrapKeys<R extends WrappableKeyRecord>(
  store: WrappableKeyStore<R>,
  wrapper: KeyWrapper,
  contextOf: WrapContext,
  options: { all?: boolean } = {},
): Promise<RewrapResult> {
  const result: RewrapResult = { wrapped: [], rewrapped: [], unchanged: [] };
  for (const record of await store.list()) {
    const clear = record.wrappedPrivateKey === undefined;
    const current = !clear && wrapper.keyIdOf(record.wrappedPrivateKey as string) === wrapper.currentKeyId;
    if (current || (!clear && !options.all)) {
      result.unchanged.push(record.kid);
      continue;
    }
    const privateJwk = await privateJwkOf(wrapper, record, contextOf);
    const next: R = { ...record, wrappedPrivateKey: await wrapPrivateJwk(wrapper, contextOf(record.kid), privateJwk) };
    delete next.privateJwk; // the clear column is emptied in the same write
    await store.save(next);
    (clear ? result.wrapped : result.rewrapped).push(record.kid);
  }
  return result;
}

/** Ids of the KEKs the keys of `store` are wrapped under (`(unreadable)` for a value that names none). */
export async function wrappingKeyIds(
  store: WrappableKeyStore<WrappableKeyRecord>,
  wrapper: KeyWrapper,
): Promise<string[]> {
  const ids = new Set<string>();
  for (const record of await store.list()) {
    if (record.wrappedPrivateKey !== undefined) ids.add(wrapper.keyIdOf(record.wrappedPrivateKey) ?? '(unreadable)');
  }
  return [...ids];
}
