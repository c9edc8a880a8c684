import type { Applied } from '../model/event-outcome.js';
import { nextRetryStep } from '../model/retry-decision.js';
import type { JobStore } from '../ports/job-store.js';
import type { Logger } from '../ports/logger.js';
import type { PipelineCatalog } from '../registry/pipeline-catalog.js';
import type { JobLanes } from './job-lanes.js';

/** What the {@link RetryDriver} is wired to: the manager's own store, lanes and notifier. */
export interface RetryDriverDeps {
  readonly store: JobStore;
  readonly pipelines: PipelineCatalog;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** The manager's lanes: a policy's step runs in its job's lane, after the events taken before it. */
  readonly lanes: JobLanes;
  /** Publishes the state notification of an applied entry, as for any event. */
  readonly notify: (applied: Applied) => Promise<void>;
}

/** Steps one drive takes at most (reset, ready, and re-reads after lost races). */
const MAX_STEPS = 10;

/**
 * The manager's part that carries out pipelines' retry policies (docs/retries.md): after a `fail`
 * (applied, or redelivered as a duplicate) and in a sweep of FAILED and RESET jobs at start and
 * every `sweepMs`, it writes the policy's next step — reset, ready, or the `retries_exhausted`
 * note — with ids fixed by the fail entry, so a crash or a race between managers writes each once.
 *
 * A delay is no record of its own: its end is the fail's time plus the policy's delay, read again
 * from the store by every sweep; the in-memory timer only makes the retry punctual.
 */
export class RetryDriver {
  readonly #deps: RetryDriverDeps;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: RetryDriverDeps) {
    this.#deps = deps;
  }

  /** Sweeps once now, then every `sweepMs`. */
  start(sweepMs: number): void {
    this.#stopped = false;
    void this.sweep();
    this.#sweeper = setInterval(() => void this.sweep(), sweepMs);
    this.#sweeper.unref();
  }

  /** Stops sweeping and drops pending timers (their retries are the next sweep's, anywhere). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweeper);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#sweeping;
  }

  /** Drives the job's policy now, in the caller's lane (the manager calls it after a `fail`). */
  async drive(uuid: string): Promise<void> {
    const { store, pipelines, logger, clock } = this.#deps;
    try {
      for (let step = 0; step < MAX_STEPS && !this.#stopped; step++) {
        const job = await store.get(uuid);
        const policy = job === undefined ? undefined : pipelines.registry?.get(job.pipeline)?.retry;
        if (job === undefined || policy === undefined) return;
        if (!(job.state === 'FAILED' || (job.state === 'RESET' && job.lastEvent === 'reset'))) return;
        const [last] = await store.history(uuid, { afterVersion: job.version - 1 });
        if (last?.name !== 'fail' && last?.name !== 'reset') return;
        const next = nextRetryStep(job, await store.history(uuid), policy, clock());
        if (next.kind === 'none') return;
        if (next.kind === 'wait') return this.#wake(uuid, next.at);
        const outcome = await store.apply(next.command);
        if (outcome.outcome === 'applied') {
          const { entry } = outcome;
          logger.info(
            { uuid, event: entry.name, eventId: entry.id, source: entry.source, data: entry.data, state: entry.state },
            `retry policy: ${entry.name}`,
          );
          await this.#deps.notify(outcome);
        } else if (outcome.outcome === 'rejected' || outcome.outcome === 'deferred') {
          logger.warn({ uuid, code: outcome.code, err: outcome.message }, 'retry policy step refused');
          return;
        }
        // duplicate (another manager wrote it) or a lost race: read again and take the next step.
      }
    } catch (err) {
      logger.warn({ uuid, err: String(err) }, 'retry policy step failed; the next sweep takes it again');
    }
  }

  /**
   * Looks at every FAILED or RESET job of a pipeline with a retry policy and drives those with a
   * step pending: what a manager that stopped between a `fail` and its retry left behind.
   */
  async sweep(): Promise<void> {
    if (this.#stopped || this.#sweeping !== undefined) return this.#sweeping;
    this.#sweeping = this.#sweepAll()
      .catch((err: unknown) => this.#deps.logger.warn({ err: String(err) }, 'retry sweep failed; retried later'))
      .finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweepAll(): Promise<void> {
    const registry = this.#deps.pipelines.registry;
    const pipelines = (registry?.list() ?? []).filter((p) => p.retry !== undefined).map((p) => p.name);
    for (const pipeline of pipelines) {
      let cursor: string | undefined;
      do {
        const page = await this.#deps.store.list({
          pipeline,
          state: ['FAILED', 'RESET'],
          order: 'asc',
          limit: 500,
          ...(cursor !== undefined && { cursor }),
        });
        for (const job of page.jobs) {
          if (this.#stopped) return;
          // A note leaves lastEvent as it was: a FAILED job stays a candidate, and drive reads its history.
          if (job.lastEvent === 'fail' || job.lastEvent === 'reset') this.#inLane(job.uuid);
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    }
  }

  #inLane(uuid: string): void {
    this.#deps.lanes.run(uuid, () => this.drive(uuid));
  }

  #wake(uuid: string, at: number): void {
    if (this.#stopped || this.#timers.has(uuid)) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(uuid);
        this.#inLane(uuid);
      },
      Math.max(0, at - this.#deps.clock().getTime()),
    );
    timer.unref();
    this.#timers.set(uuid, timer);
  }
}
