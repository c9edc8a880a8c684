import type { DeadLetter } from './event-bus.js';

/**
 * A dead letter as kept: the bus's {@link DeadLetter} and what its body says it was about (when
 * the body is a JSON event), and whether it was replayed.
 */
export interface DeadLetterRecord extends DeadLetter {
  /** The event's `id`, `uuid` and `name`, when its body is a JSON object that names them. */
  readonly eventId?: string;
  readonly uuid?: string;
  readonly event?: string;
  /** ISO-8601 time it was sent back to the events queue; absent while it waits. */
  readonly replayedAt?: string;
}

/** Which dead letters a read or a purge is about. Times are ISO-8601. */
export interface DeadLetterFilter {
  /** This reason code only. */
  readonly code?: string;
  /** Dead-lettered at or after. */
  readonly since?: string;
  /** Dead-lettered strictly before. */
  readonly before?: string;
}

/** How many waiting dead letters one reason code has. */
export interface DeadLetterCount {
  readonly code: string;
  readonly count: number;
}

/**
 * The durable, indexed record of dead letters, fed from the bus's dead-letter queue by the keeper
 * (`actors/dead-letters.ts`) and read by `pjm dead` and the admin routes. Every adapter passes
 * `test/contract/dead-letter-store.contract.ts`.
 *
 * Semantics every adapter guarantees:
 * - `keep` is idempotent by {@link DeadLetterRecord.id}: a letter kept twice is one record, unchanged;
 * - a letter *waits* until `markReplayed` claims it; a claimed letter is never claimed again
 *   (except on a FerretDB race, which the manager's event-id idempotence absorbs), until `unmark`;
 * - reads and counts see waiting letters only, unless `replayed` is asked for;
 * - `purge` removes waiting and replayed letters alike.
 */
export interface DeadLetterStore {
  /** Creates tables/collections and indexes. Idempotent. */
  init(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
  /** Records the letters; those already recorded (same id) are left as they are. */
  keep(letters: readonly DeadLetterRecord[]): Promise<void>;
  /** Waiting letters per reason code, most first (then by code). */
  counts(filter?: DeadLetterFilter): Promise<DeadLetterCount[]>;
  /** Letters, oldest first, at most `limit`, after the letter `after` (a cursor: the last id of a page). */
  list(
    filter: DeadLetterFilter & { readonly limit: number; readonly after?: string; readonly replayed?: boolean },
  ): Promise<DeadLetterRecord[]>;
  /** One letter, waiting or replayed. */
  get(id: string): Promise<DeadLetterRecord | undefined>;
  /** Claims a waiting letter for a replay at `at`; false when there is none (absent or already replayed). */
  markReplayed(id: string, at: Date): Promise<boolean>;
  /** Gives a claimed letter back (its replay could not be sent). */
  unmark(id: string): Promise<void>;
  /** Removes the letters the filter matches (`before` required); answers how many. */
  purge(filter: DeadLetterFilter & { readonly before: string }): Promise<number>;
}
