interface PendingWrite {
  readonly write: () => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the writes queued during one turn of the event loop (publishes, acks, retries …) and
 * runs them in ONE transaction on the next turn; each caller's promise settles after that
 * commit. One commit per batch instead of one per message is what makes the local bus fast,
 * and nobody is told "done" before the disk says so.
 */
export class WriteBatcher {
  readonly #transaction: (work: () => void) => void;
  #pending: PendingWrite[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  /** `transaction` runs its callback atomically (commit all or throw having committed nothing). */
  constructor(transaction: (work: () => void) => void) {
    this.#transaction = transaction;
  }

  /** Queues `write`; resolves once it is committed, rejects if its batch failed. */
  enqueue(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ write, resolve, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits everything queued so far, now. */
  flush(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    try {
      this.#transaction(() => {
        for (const pending of batch) pending.write();
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (const pending of batch) pending.resolve();
  }
}
