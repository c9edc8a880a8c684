import type {
  DeadLetterCount,
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterStore,
} from '../../ports/dead-letter-store.js';

/** {@link DeadLetterStore} in memory, for unit tests; passes the same contract suite as the real adapters. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  readonly #letters = new Map<string, DeadLetterRecord>();

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async keep(letters: readonly DeadLetterRecord[]): Promise<void> {
    for (const letter of letters) if (!this.#letters.has(letter.id)) this.#letters.set(letter.id, { ...letter });
  }

  async counts(filter: DeadLetterFilter = {}): Promise<DeadLetterCount[]> {
    const counts = new Map<string, number>();
    for (const letter of this.#matching(filter, true))
      counts.set(letter.reason.code, (counts.get(letter.reason.code) ?? 0) + 1);
    return [...counts]
      .map(([code, count]) => ({ code, count }))
      .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
  }

  async list(
    filter: DeadLetterFilter & { readonly limit: number; readonly after?: string; readonly replayed?: boolean },
  ): Promise<DeadLetterRecord[]> {
    const sorted = this.#matching(filter, filter.replayed !== true).sort(byOrder);
    const last = filter.after === undefined ? undefined : this.#letters.get(filter.after);
    const start = last === undefined ? 0 : sorted.findIndex((letter) => byOrder(letter, last) > 0);
    return start < 0 ? [] : sorted.slice(start, start + filter.limit);
  }

  async get(id: string): Promise<DeadLetterRecord | undefined> {
    return this.#letters.get(id);
  }

  async markReplayed(id: string, at: Date): Promise<boolean> {
    const letter = this.#letters.get(id);
    if (letter === undefined || letter.replayedAt !== undefined) return false;
    this.#letters.set(id, { ...letter, replayedAt: at.toISOString() });
    return true;
  }

  async unmark(id: string): Promise<void> {
    const letter = this.#letters.get(id);
    if (letter === undefined) return;
    this.#letters.set(
      id,
      Object.fromEntries(Object.entries(letter).filter(([key]) => key !== 'replayedAt')) as DeadLetterRecord,
    );
  }

  async purge(filter: DeadLetterFilter & { readonly before: string }): Promise<number> {
    const doomed = this.#matching(filter, false);
    for (const letter of doomed) this.#letters.delete(letter.id);
    return doomed.length;
  }

  #matching(filter: DeadLetterFilter, waitingOnly: boolean): DeadLetterRecord[] {
    return [...this.#letters.values()].filter(
      (letter) =>
        (!waitingOnly || letter.replayedAt === undefined) &&
        (filter.code === undefined || letter.reason.code === filter.code) &&
        (filter.since === undefined || letter.deadAt >= filter.since) &&
        (filter.before === undefined || letter.deadAt < filter.before),
    );
  }
}

function byOrder(a: DeadLetterRecord, b: DeadLetterRecord): number {
  if (a.deadAt !== b.deadAt) return a.deadAt < b.deadAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
