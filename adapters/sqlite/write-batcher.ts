/** A write waiting for the next commit. */
interface PendingWrite {
  readonly write: () => unknown;
  readonly resolve: (value: never) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A group commit: the writes queued during one turn of the event loop run in ONE transaction on
 * the next turn (or as soon as `maxBatch` are queued), and each caller's promise settles with its
 * write's result after that commit. One commit per batch instead of one per write is what makes
 * the SQLite store and the local bus fast, and nobody is told "done" before the disk says so.
 * A write that throws undoes the whole batch: every caller of the batch sees the error.
 */
export class WriteBatcher {
  readonly #transaction: (work: () => void) => void;
  readonly #maxBatch: number;
  #pending: PendingWrite[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  /**
   * `transaction` runs its callback atomically (commit all or throw having committed nothing);
   * `maxBatch` bounds the writes of one transaction (default: no bound).
   */
  constructor(transaction: (work: () => void) => void, maxBatch = Number.POSITIVE_INFINITY) {
    this.#transaction = transaction;
    this.#maxBatch = maxBatch;
  }

  /** Queues `write`; resolves with its result once it is committed, rejects if its batch failed. */
  enqueue<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ write, resolve, reject });
      if (this.#pending.length >= this.#maxBatch) this.flush();
      else this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued so far, now. */
  flush(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const results: unknown[] = [];
    try {
      this.#transaction(() => {
        for (const pending of batch) results.push(pending.write());
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, i) => pending.resolve(results[i] as never));
  }
}
