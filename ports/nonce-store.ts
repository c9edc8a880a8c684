/** What a nonce lets its holder do. */
export type NonceScope =
  /**
   * Job-scoped events: `POST /events`, `/callbacks/agave`, `/callbacks/slurm` (the per-job token is still required).
   */
  | 'events'
  /** Creating jobs: `POST /jobs`. */
  | 'create'
  /** Both. */
  | 'all'
  /**
   * A site key: `POST /claims` and `/claims/release` for its `site` only, and job-scoped events for
   * that site's jobs (the per-job token, answered with each claimed job, is still required).
   */
  | 'claim';

/** A nonce as stored: never its secret, only the SHA-256 of it. */
export interface NonceRecord {
  /** Public id, shown by `pjm nonce list` and used to revoke. */
  readonly id: string;
  /** Hex SHA-256 of the whole nonce value. */
  readonly hash: string;
  readonly scope: NonceScope;
  /** The site a `claim` nonce is for (present exactly on those). */
  readonly site?: string;
  /** Free text: who or what the nonce was made for. */
  readonly label?: string;
  /** Uses allowed in total; absent means unlimited. */
  readonly maxUses?: number;
  /** Uses so far (exact when `maxUses` is set). */
  readonly uses: number;
  /** ISO-8601; absent means it never expires. */
  readonly expires?: string;
  readonly created: string;
  /** ISO-8601 of the revocation; absent while the nonce is live. */
  readonly revoked?: string;
}

/** The answer to {@link NonceStore.use}. */
export type NonceUseResult =
  /** The use was counted; `nonce` shows the count including it. */
  | { readonly outcome: 'accepted'; readonly nonce: NonceRecord }
  /** No nonce with this id, or its hash differs. */
  | { readonly outcome: 'unknown' }
  | { readonly outcome: 'revoked'; readonly nonce: NonceRecord }
  | { readonly outcome: 'expired'; readonly nonce: NonceRecord }
  /** All `maxUses` uses are spent; nothing was counted. */
  | { readonly outcome: 'exhausted'; readonly nonce: NonceRecord };

/**
 * Nonces: sender keys for callers that cannot send headers (Agave, Slurm). Every adapter
 * passes `test/contract/nonce-store.contract.ts`.
 *
 * Semantics every adapter guarantees:
 * - a nonce with `maxUses` n is accepted at most n times in total, however many callers race;
 * - a revoked or expired nonce is never accepted again;
 * - hashes are compared in constant time; the secret itself is never stored.
 */
export interface NonceStore {
  /** Creates tables/collections and indexes. Idempotent. */
  init(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
  /** Stores a new nonce; `record.uses` must be 0. Throws `DuplicateNonceError` (errors/) if the id exists. */
  create(record: NonceRecord): Promise<void>;
  /** All nonces, newest first, revoked ones included. */
  list(): Promise<NonceRecord[]>;
  /** Marks the nonce revoked at `now`; false when there is no such (live) nonce. */
  revoke(id: string, now: Date): Promise<boolean>;
  /** Counts one use of nonce `id` if `hash` matches and it is live at `now`. */
  use(id: string, hash: string, now: Date): Promise<NonceUseResult>;
}
