import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditEvent } from '../ports/stores.port';

/** `prevHash` of the first entry of the chain. */
export const AUDIT_CHAIN_GENESIS = 'genesis';

/**
 * The hash of an audit entry: SHA-256 (base64url) over the previous entry's hash and the
 * entry's own fields as canonical JSON (RFC 8785), so changing, removing or reordering
 * any entry breaks every hash after it.
 */
export function auditEntryHash(event: AuditEvent, prevHash: string): string {
  const { prevHash: _p, hash: _h, ...fields } = event;
  const canonical = canonicalize({ ...fields, prevHash }) ?? '';
  // One-shot: no Hash object for the next young-generation collection to finalise
  // (docs/decisions/0007-node-crypto-signing.md); three appends per CIBA flow.
  return hash('sha256', canonical, 'base64url');
}

/**
 * The event as appended after `previous` (the chain's last entry, or none): with the
 * previous entry's hash and its own. Stores call this on every append, inside the
 * append's transaction.
 */
export function chainAuditEvent(event: AuditEvent, previousHash: string | undefined): AuditEvent {
  const prevHash = previousHash ?? AUDIT_CHAIN_GENESIS;
  return { ...event, prevHash, hash: auditEntryHash(event, prevHash) };
}

/** Where a chain first fails to verify. */
export interface AuditChainBreak {
  /** Position in the list (0-based) and id of the first entry that does not verify. */
  index: number;
  id: string;
  reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'unchained';
}

/**
 * Re-checks a chain read in append order. Entries written before the chain existed (no
 * hash at all) are allowed only before the first chained one.
 *
 * @example
 * const broken = verifyAuditChain(await stores.audit.list({}));
 * if (broken) console.log(`entry ${broken.id} (#${broken.index}) ${broken.reason}`);
 */
export function verifyAuditChain(events: readonly AuditEvent[]): AuditChainBreak | undefined {
  let previous: string | undefined;
  for (const [index, event] of events.entries()) {
    if (event.hash === undefined && event.prevHash === undefined) {
      if (previous !== undefined) return { index, id: event.id, reason: 'unchained' };
      continue;
    }
    const expectedPrev = previous ?? AUDIT_CHAIN_GENESIS;
    if (event.prevHash !== expectedPrev) return { index, id: event.id, reason: 'prev_hash_mismatch' };
    if (event.hash !== auditEntryHash(event, expectedPrev)) return { index, id: event.id, reason: 'hash_mismatch' };
    previous = event.hash;
  }
  return undefined;
}
