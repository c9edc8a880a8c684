import { checkNewNonce, hashMatches, notLive, requireNonceString } from '../../adapters/nonce/nonce-rules.js';
import { DuplicateNonceError } from '../../errors/index.js';
import type { NonceRecord, NonceStore, NonceUseResult } from '../../ports/nonce-store.js';

/**
 * {@link NonceStore} in memory, for unit tests; it passes `test/contract/nonce-store.contract.ts`
 * like the real adapters and applies the same rules (`adapters/nonce/nonce-rules.ts`). Each call
 * checks and counts in one synchronous step, so `maxUses` is exact however many callers race.
 */
export class MemoryNonceStore implements NonceStore {
  /** By id, in creation order (the tie-break of `list`). */
  readonly #nonces = new Map<string, NonceRecord>();

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async create(record: NonceRecord): Promise<void> {
    checkNewNonce(record);
    if (this.#nonces.has(record.id)) throw new DuplicateNonceError(record.id);
    this.#nonces.set(record.id, { ...record });
  }

  async list(): Promise<NonceRecord[]> {
    const inserted = [...this.#nonces.values()].reverse();
    return inserted
      .sort((a, b) => (a.created === b.created ? 0 : a.created < b.created ? 1 : -1))
      .map((record) => ({ ...record }));
  }

  async revoke(id: string, now: Date): Promise<boolean> {
    const record = this.#nonces.get(requireNonceString('id', id));
    if (record === undefined || record.revoked !== undefined) return false;
    this.#nonces.set(id, { ...record, revoked: now.toISOString() });
    return true;
  }

  async use(id: string, hash: string, now: Date): Promise<NonceUseResult> {
    const record = this.#nonces.get(requireNonceString('id', id));
    if (record === undefined || !hashMatches(record.hash, requireNonceString('hash', hash)))
      return { outcome: 'unknown' };
    const refused = notLive(record, now);
    if (refused !== undefined) return { outcome: refused, nonce: { ...record } };
    if (record.maxUses !== undefined && record.uses >= record.maxUses)
      return { outcome: 'exhausted', nonce: { ...record } };
    const counted = { ...record, uses: record.uses + 1 };
    this.#nonces.set(id, counted);
    return { outcome: 'accepted', nonce: { ...counted } };
  }
}
