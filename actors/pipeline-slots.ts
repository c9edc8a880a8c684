/**
 * Bounded concurrency per pipeline for one dispatcher: jobs wait in arrival order until one of the
 * pipeline's slots is free. Holds job uuids only; whether a job is still to be launched is decided
 * again when its turn comes.
 */
export class PipelineSlots {
  readonly #waiting = new Map<string, string[]>();
  readonly #running = new Map<string, number>();
  readonly #known = new Set<string>();

  /** True when the job waits or holds a slot here. */
  has(uuid: string): boolean {
    return this.#known.has(uuid);
  }

  /** Queues a job (once). */
  offer(pipeline: string, uuid: string): void {
    if (this.#known.has(uuid)) return;
    this.#known.add(uuid);
    const queue = this.#waiting.get(pipeline) ?? [];
    queue.push(uuid);
    this.#waiting.set(pipeline, queue);
  }

  /** The next waiting job of `pipeline`, which takes a slot, or undefined when none waits or all `limit` are taken. */
  take(pipeline: string, limit: number): string | undefined {
    const running = this.#running.get(pipeline) ?? 0;
    const queue = this.#waiting.get(pipeline);
    if (running >= limit || queue === undefined || queue.length === 0) return undefined;
    this.#running.set(pipeline, running + 1);
    return queue.shift();
  }

  /** Frees the slot `uuid` held. */
  release(pipeline: string, uuid: string): void {
    this.#known.delete(uuid);
    this.#running.set(pipeline, Math.max(0, (this.#running.get(pipeline) ?? 0) - 1));
  }

  /** Removes a waiting job (cancelled before its turn); false when it was not waiting. */
  drop(pipeline: string, uuid: string): boolean {
    const queue = this.#waiting.get(pipeline);
    const index = queue?.indexOf(uuid) ?? -1;
    if (queue === undefined || index < 0) return false;
    queue.splice(index, 1);
    this.#known.delete(uuid);
    return true;
  }

  /** Jobs holding a slot of `pipeline`. */
  running(pipeline: string): number {
    return this.#running.get(pipeline) ?? 0;
  }
}
