import { errorMessage } from '../errors/index.js';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobDocument, LaunchRecord, LauncherType } from '../model/job.js';
import type { JobTokens } from '../model/job-tokens.js';
import { publishHeaders } from '../protocol/amqp-names.js';
import { jobCallbacks } from '../protocol/callback-urls.js';
import { encodeEventMessage } from '../protocol/event-message.js';
import type { StateNotification } from '../protocol/state-notification.js';
import type { EventBus, Subscription } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import type { ExitStatus, LaunchHandle, Launcher } from '../ports/launcher.js';
import type { Logger } from '../ports/logger.js';
import type { PipelineCatalog } from '../registry/pipeline-catalog.js';
import { DEFAULT_CONCURRENCY, type LauncherSpec } from '../registry/pipeline-definition.js';
import type { EventMessage } from '../schemas/types.js';
import { dispatcherEvent, exitData, launchFailedData, type DispatcherEventName } from './dispatcher-events.js';
import { decideLaunch } from './launch-decision.js';
import { PipelineSlots } from './pipeline-slots.js';

/** What the dispatcher is wired to; ports only. */
export interface DispatcherDeps {
  readonly bus: EventBus;
  readonly store: JobStore;
  readonly tokens: JobTokens;
  readonly logger: Logger;
  /** The registry, read at each decision (swapped in place on reload). */
  readonly pipelines: PipelineCatalog;
  readonly launchers: Partial<Record<LauncherType, Launcher>>;
  readonly clock?: () => Date;
}

/** Settings of the {@link Dispatcher}. */
export interface DispatcherOptions {
  /** Names this dispatcher in launch records. */
  readonly id: string;
  /** The bridge's URL, given to scripts as PJM_URL and used in the Slurm tracking options. */
  readonly url: string;
  /** The data directory; default logs go to `<dataDir>/logs/<pipeline>`. */
  readonly dataDir: string;
  /** An `intent` older than this is another dispatcher's unfinished launch (PJM_LAUNCH_GRACE_SECONDS). */
  readonly graceMs: number;
  /** The launcher of a Rubin `job_specs.yaml` registry's pipelines (PJM_RUBIN_LAUNCHER). */
  readonly rubinLauncher: LauncherType;
  /** How often the store is swept for jobs no notification brought (default: half the grace, at most 10 s). */
  readonly sweepMs?: number;
}

/**
 * A local script being watched. Wrapped in an object on purpose: an async function that returned
 * the bare promise would resolve only when the script ends, and `stop` would wait for it.
 */
interface Watch {
  /** Settles once the script's end is reported (or could not be). */
  readonly ended: Promise<void>;
}

/** How many times a report is published before it is given up (logged). */
const PUBLISH_ATTEMPTS = 8;

/**
 * The dispatcher actor (docs/dispatcher.md): starts the launcher of a job's pipeline when the job
 * is created (or made ready again), stops it when the job is cancelled, and reports a local
 * script's end as events. It never writes job state: the launch record is written with the
 * store's conditional `markLaunch` (claim first, so of several dispatchers exactly one launches),
 * everything else goes through the bus to the manager like any publisher's events.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #options: DispatcherOptions;
  readonly #log: Logger;
  readonly #clock: () => Date;
  readonly #slots = new PipelineSlots();
  /** Local launches this dispatcher watches, by job uuid. */
  readonly #watched = new Map<string, { readonly launcher: Launcher; readonly ref: string }>();
  /** Launches and reports in flight, awaited by {@link stop}. */
  readonly #tasks = new Set<Promise<unknown>>();
  #subscription: Subscription | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: DispatcherDeps, options: DispatcherOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#log = deps.logger.child({ component: 'dispatcher', dispatcher: options.id });
    this.#clock = deps.clock ?? (() => new Date());
  }

  /** Subscribes to state notifications, then sweeps the store once and every `sweepMs`. */
  async start(): Promise<void> {
    this.#subscription = await this.#deps.bus.subscribeState('#', (n) => this.#onNotification(n));
    await this.sweep();
    const every = this.#options.sweepMs ?? Math.min(10_000, Math.max(500, this.#options.graceMs / 2));
    this.#sweeper = setInterval(() => void this.sweep(), every);
    this.#sweeper.unref();
    this.#log.info({ graceMs: this.#options.graceMs, sweepMs: every }, 'dispatcher started');
  }

  /**
   * Stops taking work and waits for the launches in flight. Scripts already running keep running
   * (each in its own process group); their ends are then not reported by this dispatcher.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweeper);
    await this.#subscription?.stop();
    await this.#sweeping;
    await Promise.allSettled([...this.#tasks]);
  }

  /**
   * Looks at every CREATED or RUNNING job of a launchable pipeline: launches what no notification
   * brought (none was subscribed, or it was lost), reconciles old intents, and re-attaches to this
   * dispatcher's own local launches after a restart (same PJM_DISPATCHER_ID).
   */
  async sweep(): Promise<void> {
    if (this.#stopped || this.#sweeping !== undefined) return this.#sweeping;
    this.#sweeping = this.#sweepAll()
      .catch((err: unknown) => this.#log.warn({ err: errorMessage(err) }, 'sweep failed; retried at the next one'))
      .finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweepAll(): Promise<void> {
    const launchable = (this.#deps.pipelines.registry?.names() ?? []).filter((p) => this.#specOf(p) !== undefined);
    for (const pipeline of launchable) {
      let cursor: string | undefined;
      do {
        const page = await this.#deps.store.list({
          pipeline,
          state: ['CREATED', 'RUNNING'],
          order: 'asc',
          limit: 500,
          ...(cursor !== undefined && { cursor }),
        });
        for (const job of page.jobs) {
          if (this.#stopped) return;
          if (job.state === 'CREATED') this.#consider(job);
          else this.#reattach(job);
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    }
  }

  #onNotification(n: StateNotification): void {
    if (this.#stopped) return;
    if (n.state === 'CREATED' && (n.event === 'create' || n.event === 'ready')) {
      this.#track(this.#deps.store.get(n.uuid).then((job) => job !== undefined && this.#consider(job)));
    } else if (n.state === 'CANCELLED') this.#track(this.#cancel(n.uuid, n.pipeline));
  }

  /** Queues a job the rule says to launch or reconcile; its turn decides again. */
  #consider(job: JobDocument): void {
    const spec = this.#specOf(job.pipeline);
    if (spec === undefined || this.#slots.has(job.uuid)) return;
    if (decideLaunch(job, this.#clock(), this.#options.graceMs).action === 'skip') {
      this.#reattach(job);
      return;
    }
    this.#slots.offer(job.pipeline, job.uuid);
    this.#pump(job.pipeline, spec);
  }

  #pump(pipeline: string, spec: LauncherSpec): void {
    const limit = spec.concurrency ?? DEFAULT_CONCURRENCY;
    for (let uuid = this.#slots.take(pipeline, limit); uuid !== undefined; uuid = this.#slots.take(pipeline, limit)) {
      const taken = uuid;
      this.#track(
        this.#turn(taken).then((watch) => {
          if (watch === undefined) return this.#free(pipeline, taken);
          void watch.ended.finally(() => this.#free(pipeline, taken));
        }),
      );
    }
  }

  #free(pipeline: string, uuid: string): void {
    this.#slots.release(pipeline, uuid);
    const spec = this.#specOf(pipeline);
    if (spec === undefined || this.#stopped) return;
    this.#pump(pipeline, spec);
    // A retry's `ready` that came while the attempt before still held the slot found it taken.
    this.#track(this.#deps.store.get(uuid).then((job) => job?.state === 'CREATED' && this.#consider(job)));
  }

  /** A job's turn: claim, then launch (or find an unrecorded launch). Returns the watch of a local script. */
  async #turn(uuid: string): Promise<Watch | undefined> {
    try {
      const job = await this.#deps.store.get(uuid);
      const spec = job === undefined || this.#stopped ? undefined : this.#specOf(job.pipeline);
      const launcher = spec === undefined ? undefined : this.#deps.launchers[spec.type];
      if (job === undefined || spec === undefined || launcher === undefined) return undefined;
      const decision = decideLaunch(job, this.#clock(), this.#options.graceMs);
      if (decision.action === 'skip') return undefined;
      const intent: LaunchRecord = {
        state: 'intent',
        by: this.#options.id,
        at: this.#clock().toISOString(),
        launcher: spec.type,
        ...(job.attempts !== undefined && { attempt: job.attempts }),
      };
      if (!(await this.#deps.store.markLaunch(uuid, decision.expected, intent))) return undefined;
      const logDir = this.#logDir(job, spec);
      if (decision.action === 'reconcile') {
        const found = await launcher.find(uuid, logDir);
        if (found !== undefined) {
          const message = `found after ${decision.expected?.by ?? '?'} stopped during its launch`;
          this.#log.warn({ uuid, ref: found.ref }, message);
          return this.#launched(job, launcher, intent, found, message);
        }
      }
      return await this.#launch(job, spec, launcher, logDir, intent);
    } catch (err) {
      // The claim (if made) stays an intent: after the grace period a sweep reconciles it.
      this.#log.error({ uuid, err: errorMessage(err) }, 'launch interrupted; a later sweep reconciles it');
      return undefined;
    }
  }

  async #launch(
    job: JobDocument,
    spec: LauncherSpec,
    launcher: Launcher,
    logDir: string,
    intent: LaunchRecord,
  ): Promise<Watch | undefined> {
    const token = this.#deps.tokens.forJob(job.uuid, job.creator ?? '');
    const definition = this.#deps.pipelines.registry?.get(job.pipeline);
    const env: Record<string, string> = {
      ...jobEnv(job, definition?.env ?? []),
      PJM_URL: this.#options.url,
      PJM_JOB_UUID: job.uuid,
      PJM_JOB_TOKEN: token,
    };
    const sbatch =
      spec.type === 'slurm'
        ? [...jobCallbacks({ base: this.#options.url, uuid: job.uuid, token }).slurm.sbatch, ...(spec.sbatch ?? [])]
        : [];
    const command = definition?.script ?? '';
    let handle: LaunchHandle;
    try {
      handle = await launcher.launch({ uuid: job.uuid, pipeline: job.pipeline, command, env, logDir, sbatch });
    } catch (err) {
      const message = errorMessage(err);
      this.#log.warn({ uuid: job.uuid, launcher: spec.type, err: message }, 'launch failed');
      await this.#deps.store.markLaunch(job.uuid, intent, { ...intent, state: 'failed', message });
      await this.#publish(job.uuid, intent, 'fail', launchFailedData(spec.type, message));
      return undefined;
    }
    this.#log.info({ uuid: job.uuid, launcher: spec.type, ref: handle.ref, logDir }, 'launched');
    return this.#launched(job, launcher, intent, handle);
  }

  /** Records a launch and, for a local script, watches its end. */
  async #launched(
    job: JobDocument,
    launcher: Launcher,
    intent: LaunchRecord,
    handle: LaunchHandle,
    message?: string,
  ): Promise<Watch | undefined> {
    const record: LaunchRecord = {
      ...intent,
      state: 'launched',
      ref: handle.ref,
      ...(message !== undefined && { message }),
    };
    if (!(await this.#deps.store.markLaunch(job.uuid, intent, record)))
      this.#log.warn({ uuid: job.uuid, ref: handle.ref }, 'launch record taken over by another dispatcher');
    // A cancel that came while the launch was starting found nothing to stop: stop it now.
    if ((await this.#deps.store.get(job.uuid))?.state === 'CANCELLED') await launcher.stop(handle.ref);
    return this.#watch(job.uuid, launcher, record, handle);
  }

  #watch(uuid: string, launcher: Launcher, launch: LaunchRecord, handle: LaunchHandle): Watch | undefined {
    const exited = handle.exited;
    if (exited === undefined) return undefined;
    const watched = { launcher, ref: handle.ref };
    this.#watched.set(uuid, watched);
    const ended = exited
      .then((status) => this.#reportExit(uuid, launch, status))
      .catch((err: unknown) => this.#log.error({ uuid, err: errorMessage(err) }, 'cannot report the end'))
      // The job's next attempt may be watched already.
      .finally(() => this.#watched.get(uuid) === watched && this.#watched.delete(uuid));
    return { ended };
  }

  /** A restarted dispatcher (same id) watches its own local launches again. */
  #reattach(job: JobDocument): void {
    const launch = job.launch;
    const launcher = this.#deps.launchers.local;
    if (launch?.state !== 'launched' || launch.launcher !== 'local' || launch.by !== this.#options.id) return;
    if (launcher === undefined || this.#watched.has(job.uuid) || this.#slots.has(job.uuid)) return;
    const spec = this.#specOf(job.pipeline);
    if (spec === undefined) return;
    this.#watched.set(job.uuid, { launcher, ref: launch.ref ?? '' });
    this.#track(
      launcher.find(job.uuid, this.#logDir(job, spec)).then((found) => {
        if (found === undefined) this.#watched.delete(job.uuid);
        else this.#watch(job.uuid, launcher, launch, found);
      }),
    );
  }

  /** exit 0 → `finish` (after a `run` when the script sent none); otherwise `fail` with `exit_code`. */
  async #reportExit(uuid: string, launch: LaunchRecord, status: ExitStatus): Promise<void> {
    const job = await this.#deps.store.get(uuid);
    this.#log.info({ uuid, ...status, state: job?.state }, 'script ended');
    if (job === undefined || (job.state !== 'CREATED' && job.state !== 'RUNNING')) return;
    if (status.code !== 0) return this.#publish(uuid, launch, 'fail', exitData(status));
    if (job.state === 'CREATED') await this.#publish(uuid, launch, 'run', { launcher: 'local' });
    await this.#publish(uuid, launch, 'finish', exitData(status));
  }

  async #cancel(uuid: string, pipeline: string): Promise<void> {
    if (this.#slots.drop(pipeline, uuid)) return;
    const watched = this.#watched.get(uuid);
    if (watched !== undefined) return watched.launcher.stop(watched.ref);
    const launch = (await this.#deps.store.get(uuid))?.launch;
    const slurm = this.#deps.launchers.slurm;
    // scancel is harmless twice: every dispatcher may send it, so one that is down is not needed.
    if (launch?.launcher === 'slurm' && launch.ref !== undefined && slurm !== undefined) await slurm.stop(launch.ref);
  }

  async #publish(
    uuid: string,
    launch: LaunchRecord,
    name: DispatcherEventName,
    data: EventMessage['data'],
  ): Promise<void> {
    const message = dispatcherEvent(uuid, launch, name, data ?? {}, this.#deps.tokens.issue(uuid, this.#clock()));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#deps.bus.publish(encodeEventMessage(message), { messageId: message.id, headers: publishHeaders() });
        return;
      } catch (err) {
        if (attempt >= PUBLISH_ATTEMPTS || this.#stopped) {
          this.#log.error({ uuid, event: name, err: errorMessage(err) }, 'cannot publish the report; giving up');
          return;
        }
        await sleep(Math.min(10_000, 250 * 2 ** attempt));
      }
    }
  }

  #specOf(pipeline: string): LauncherSpec | undefined {
    const spec = this.#deps.pipelines.registry?.launcherOf(pipeline, this.#options.rubinLauncher);
    return spec !== undefined && this.#deps.launchers[spec.type] !== undefined ? spec : undefined;
  }

  /** The job's `log_dir` (checked at create), else the pipeline's, else `<dataDir>/logs/<pipeline>`. */
  #logDir(job: JobDocument, spec: LauncherSpec): string {
    const own = job.data['log_dir'];
    if (typeof own === 'string' && isAbsolute(own)) return own;
    return spec.log_dir ?? join(this.#options.dataDir, 'logs', job.pipeline);
  }

  #track(task: Promise<unknown>): void {
    const tracked = task.catch((err: unknown) => this.#log.error({ err: errorMessage(err) }, 'dispatcher task failed'));
    this.#tasks.add(tracked);
    void tracked.finally(() => this.#tasks.delete(tracked));
  }
}

/**
 * The variables of the job's `data.env` that its pipeline declares (`env`), as strings: merged
 * into the script's (and sbatch's) environment. Undeclared ones are dropped, so whoever may create
 * a job cannot set `PATH`, `LD_PRELOAD` or `SBATCH_*` for a process of the dispatcher's user.
 */
function jobEnv(job: JobDocument, declared: readonly string[]): Record<string, string> {
  const env = job.data['env'];
  if (env === null || typeof env !== 'object' || Array.isArray(env)) return {};
  const given = env as Record<string, unknown>;
  return Object.fromEntries(
    declared.flatMap((name) => {
      const value = Object.hasOwn(given, name) ? given[name] : undefined;
      return typeof value === 'string' ? [[name, value]] : [];
    }),
  );
}
