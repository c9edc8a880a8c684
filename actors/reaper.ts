import { errorMessage } from '../errors/index.js';
import { LIVE_STATES } from '../model/heartbeat.js';
import type { JobDocument, LauncherType } from '../model/job.js';
import type { JobTokens } from '../model/job-tokens.js';
import { publishHeaders } from '../protocol/amqp-names.js';
import { encodeEventMessage } from '../protocol/event-message.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import type { LaunchStatus, Launcher } from '../ports/launcher.js';
import type { Logger } from '../ports/logger.js';
import type { EventMessage } from '../schemas/types.js';
import { REAPER_SOURCE, reaperEvents } from './reaper-decision.js';

/** What the reaper is wired to; ports only. */
export interface ReaperDeps {
  readonly bus: EventBus;
  readonly store: JobStore;
  readonly tokens: JobTokens;
  readonly logger: Logger;
  /** Asked where a launched job stands before it is flagged (slurm: reconciled from the scheduler). */
  readonly launchers: Partial<Record<LauncherType, Launcher>>;
  readonly clock?: () => Date;
}

/** Settings of the {@link Reaper}. */
export interface ReaperOptions {
  /** How often the store is swept for expired leases (PJM_REAPER_PERIOD_SECONDS). */
  readonly periodMs: number;
}

/**
 * The reaper actor (docs/heartbeats.md). Every period it lists the live jobs whose lease has
 * expired and that are not flagged yet, asks the launcher of a launched job where it stands, and
 * publishes what it found — the scheduler's end (`finish`, `fail`, `cancel`) or a `stale` mark —
 * as events for the manager, which applies a mark only if the lease is still expired at write
 * time. Like every actor besides the manager it never writes the store; its event ids are fixed
 * by the job and the expired lease, so several reapers give one mark per expiry.
 */
export class Reaper {
  readonly #deps: ReaperDeps;
  readonly #options: ReaperOptions;
  readonly #log: Logger;
  readonly #clock: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;
  #stopped = false;

  constructor(deps: ReaperDeps, options: ReaperOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#log = deps.logger.child({ component: 'reaper' });
    this.#clock = deps.clock ?? (() => new Date());
  }

  /** Sweeps once, then every period. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.sweep();
    this.#timer = setInterval(() => void this.sweep(), this.#options.periodMs);
    this.#timer.unref();
    this.#log.info({ periodMs: this.#options.periodMs }, 'reaper started');
  }

  /** Stops sweeping and waits for a sweep in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#sweeping;
  }

  /**
   * One sweep (a sweep already running is joined, not doubled). Resolves with the number of
   * events published; a failure is logged and left to the next sweep.
   */
  sweep(): Promise<number> {
    if (this.#sweeping !== undefined) return this.#sweeping;
    this.#sweeping = this.#sweepAll()
      .catch((err: unknown) => {
        this.#log.warn({ err: errorMessage(err) }, 'reaper sweep failed; retried at the next one');
        return 0;
      })
      .finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweepAll(): Promise<number> {
    const now = this.#clock();
    let published = 0;
    let cursor: string | undefined;
    do {
      const page = await this.#deps.store.list({
        leaseExpiredBy: now.toISOString(),
        state: [...LIVE_STATES],
        order: 'asc',
        limit: 500,
        ...(cursor !== undefined && { cursor }),
      });
      for (const job of page.jobs) {
        if (this.#stopped) return published;
        published += await this.#reap(job, now);
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return published;
  }

  async #reap(job: JobDocument, now: Date): Promise<number> {
    const until = job.heartbeat?.until;
    if (until === undefined) return 0;
    const events = reaperEvents(job, until, await this.#statusOf(job));
    for (const event of events) {
      const message: EventMessage & { id: string } = {
        id: event.id,
        uuid: job.uuid,
        name: event.name,
        data: event.data,
        source: REAPER_SOURCE,
        token: this.#deps.tokens.issue(job.uuid, now),
      };
      await this.#deps.bus.publish(encodeEventMessage(message), { messageId: event.id, headers: publishHeaders() });
    }
    this.#log.info({ uuid: job.uuid, until, events: events.map((e) => e.name) }, 'lease expired');
    return events.length;
  }

  async #statusOf(job: JobDocument): Promise<LaunchStatus | undefined> {
    const launch = job.launch;
    const launcher = launch === undefined ? undefined : this.#deps.launchers[launch.launcher];
    if (launch?.state !== 'launched' || launch.ref === undefined || launcher === undefined) return undefined;
    try {
      return await launcher.status(launch.ref);
    } catch (err) {
      return { kind: 'unknown', message: errorMessage(err) };
    }
  }
}
