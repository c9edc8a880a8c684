/**
 * Runs tasks one after another per key and concurrently across keys: events for one job apply
 * in the order they were taken off the bus while other jobs proceed.
 */
export class JobLanes {
  readonly #tails = new Map<string, Promise<void>>();

  /** Queues `task` behind the earlier tasks of `key`. Task errors must be handled by the task. */
  run(key: string, task: () => Promise<void>): void {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const tail = previous.then(task);
    this.#tails.set(key, tail);
    void tail.finally(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.#tails.size;
  }

  /** Resolves when every task queued so far has finished. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.allSettled([...this.#tails.values()]);
  }
}
