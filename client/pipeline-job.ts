import { randomUUID } from 'node:crypto';
import { PipelineJobsError } from '../errors/index.js';
import type { JobClaim, JobState, JsonObject } from '../model/job.js';
import type { JobCallbacks } from '../protocol/callback-urls.js';
import type { ClaimJobsRequest, ClientEventName, PipelineJobsTransport } from './transport.js';
import { optionalField } from './wire.js';

/** What names a job: the same pipeline and data always name the same job. */
export interface PipelineJobOptions {
  /** The pipeline id, e.g. `tacc-alignment` (letters, digits, `.`, `_`, `-`). */
  readonly pipeline: string;
  /** Run-time parameters; part of the job's identity (default `{}`). */
  readonly data?: JsonObject;
  readonly owner?: string;
  readonly site?: string;
  /** Where the job's products go (default `/products/v2/<pipeline>/<uuid without dashes>`). */
  readonly archivePath?: string;
}

/** What `PipelineJob.load` may know besides the uuid and the token. */
export interface LoadOptions {
  /**
   * The job's pipeline and create data. Over AMQP they let `load` ask the manager for the job's
   * state (an idempotent create); without them the state stays unknown until the next event.
   * Over HTTP they are read from the bridge and need not be given.
   */
  readonly pipeline?: string;
  readonly data?: JsonObject;
}

/** One queued call of a job: its setup, or an event. */
export type JobStep =
  | { readonly kind: 'setup' }
  | { readonly kind: 'event'; readonly name: ClientEventName; readonly data?: JsonObject | undefined };

/**
 * The calls of a pipeline job (after SD2E's `ManagedPipelineJob`), shared by {@link PipelineJob}
 * and {@link JobChain}: each queues one call and returns a chain that resolves with the job's
 * state after it. Calls run strictly in order; the first failure rejects the chain and skips the
 * calls after it.
 */
export abstract class JobSteps {
  /** Queues `step` after the calls before it. */
  protected abstract queue(step: JobStep): JobChain;

  /**
   * Creates the job, or finds it (the same pipeline and data name the same job): `CREATED` for a
   * new job, the current state of an existing one. Other calls set the job up first when needed.
   */
  setup(): JobChain {
    return this.queue({ kind: 'setup' });
  }

  /** `run`: CREATED → RUNNING (RUNNING stays RUNNING). */
  run(data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'run', data });
  }

  /** `update`: records progress; the state does not change (CREATED, RUNNING, INDEXING, VALIDATING). */
  update(data: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'update', data });
  }

  /** `resource`: records a resource event (staging, queueing); CREATED and RUNNING stay as they are. */
  resource(data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'resource', data });
  }

  /** `finish`: RUNNING → FINISHED. */
  finish(data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'finish', data });
  }

  /** `fail`: CREATED, RUNNING, INDEXING or VALIDATING → FAILED (put the reason in `data`). */
  fail(data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'fail', data });
  }

  /**
   * `cancel`: CREATED or RESET → CANCELLED, keeping the job and its history. Refused with
   * `illegal_transition` once the job runs: send `fail` instead.
   */
  cancel(data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'cancel', data });
  }

  /**
   * `reset` (admin): any state → RESET. Over HTTP the transport needs a `bearer` token; over
   * AMQP the job token suffices. SD2E's `reset()` also sent `ready`: chain `.reset().ready()`.
   */
  reset(data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'reset', data });
  }

  /** `ready` (admin): RESET → CREATED. Same credentials as {@link JobSteps.reset}. */
  ready(data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'ready', data });
  }

  /**
   * `heartbeat`: a sign of life that renews the job's lease without moving it
   * (docs/heartbeats.md). The first one is recorded in the history; later ones are only counted
   * (their verdict is a duplicate: nothing new in the history). A job that is not live
   * (FINISHED, FAILED …) refuses it with `job_not_live`.
   */
  heartbeat(data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name: 'heartbeat', data });
  }

  /** Any other job event by name (`index`, `indexed`, `validate`, `retire` …). */
  send(name: ClientEventName, data?: JsonObject): JobChain {
    return this.queue({ kind: 'event', name, data });
  }
}

/**
 * Calls of one job queued in order, awaited once: `await job.setup().run().finish()` resolves
 * with the state after the last call, or rejects with the first failure (the calls after it are
 * not made). Each call resolves with the job's new state, e.g. `'FINISHED'`. A chain is a
 * `Promise<JobState>` (then, catch, finally) that also has the job's calls.
 */
export class JobChain extends JobSteps implements Promise<JobState> {
  readonly #perform: (step: JobStep) => Promise<JobState>;
  readonly #done: Promise<JobState>;

  /** @internal Chains are made by {@link PipelineJob}'s calls. */
  constructor(perform: (step: JobStep) => Promise<JobState>, done: Promise<JobState>) {
    super();
    this.#perform = perform;
    this.#done = done;
  }

  get [Symbol.toStringTag](): string {
    return 'JobChain';
  }

  protected queue(step: JobStep): JobChain {
    return new JobChain(
      this.#perform,
      this.#done.then(() => this.#perform(step)),
    );
  }

  then<A = JobState, B = never>(
    onfulfilled?: ((state: JobState) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#done.then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<JobState | B> {
    return this.#done.catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<JobState> {
    return this.#done.finally(onfinally);
  }
}

/**
 * A pipeline job as its pipeline sees it (SD2E's `ManagedPipelineJob`): named by a pipeline id
 * and data, set up once, then moved through its states by events, over HTTP or AMQP.
 *
 * ```ts
 * const job = new PipelineJob({ pipeline: 'align', data: { sample: 's1' } }, new HttpTransport({ url }));
 * await job.setup().run().update({ progress: 0.5 }).finish(); // 'FINISHED'
 * ```
 *
 * Every call resolves with the job's new state or rejects with a `PipelineJobsError` carrying the
 * server's code (`illegal_transition`, `token_invalid` …), `bus_unavailable` when the event could
 * not be delivered, or a `VerdictTimeoutError` when no verdict came in time. Calls on one job run
 * one at a time, in the order they were made.
 */
export class PipelineJob extends JobSteps {
  readonly #transport: PipelineJobsTransport;
  readonly #options: Omit<PipelineJobOptions, 'pipeline'>;
  #pipeline: string | undefined;
  #data: JsonObject | undefined;
  #uuid: string | undefined;
  #token: string | undefined;
  #state: JobState | undefined;
  #version: number | undefined;
  #archivePath: string | undefined;
  #callbacks: JobCallbacks | undefined;
  #claim: JobClaim | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * A job of `options.pipeline` with `options.data`; nothing is sent until the first call.
   *
   * @param transport - an {@link HttpTransport} or {@link AmqpTransport}; the caller closes it
   */
  constructor(options: PipelineJobOptions, transport: PipelineJobsTransport) {
    super();
    const { pipeline, data, ...rest } = options;
    this.#pipeline = pipeline;
    this.#data = data ?? {};
    this.#options = rest;
    this.#archivePath = rest.archivePath;
    this.#transport = transport;
  }

  /**
   * Re-attaches to an existing job, e.g. from a later process that was handed its uuid and token.
   *
   * Over HTTP it reads `GET /jobs/:uuid` (state, version, pipeline, data, archive path; a job that
   * does not exist rejects with `unknown_job`). The token is not checked until the first event
   * (`token_invalid` then). Over AMQP the bus cannot be read: without `options.pipeline` and
   * `options.data` the job's `state` is undefined until its next event answers; with them the
   * manager is asked through an idempotent create (which would create the job if it did not exist).
   */
  static async load(
    uuid: string,
    token: string,
    transport: PipelineJobsTransport,
    options: LoadOptions = {},
  ): Promise<PipelineJob> {
    const snapshot = await transport.describe(uuid.toLowerCase(), token, options);
    const pipeline = snapshot.pipeline ?? options.pipeline;
    const job = new PipelineJob({ pipeline: pipeline ?? '' }, transport);
    job.#pipeline = pipeline;
    job.#data = snapshot.data ?? options.data;
    job.#uuid = snapshot.uuid.toLowerCase();
    job.#token = token;
    job.#state = snapshot.state;
    job.#version = snapshot.version;
    job.#archivePath = snapshot.archivePath;
    job.#callbacks = snapshot.callbacks;
    return job;
  }

  /**
   * Claims up to `request.max` of the oldest claimable jobs of a site queue (through the manager:
   * no job is handed to two claimers while a lease runs) and answers them as jobs ready for their
   * calls: `await job.run()` starts one and ends its lease; `job.release()` gives it back. The
   * transport's credential must cover the site (a site key for it, or a bearer token).
   *
   * ```ts
   * for (const job of await PipelineJob.claim(transport, { site: 'ogg', max: 5, leaseMs: 60_000 })) {
   *   await job.run();
   * }
   * ```
   */
  static async claim(transport: PipelineJobsTransport, request: ClaimJobsRequest): Promise<PipelineJob[]> {
    const claimed = await transport.claim(request);
    return claimed.map((found) => {
      const job = new PipelineJob({ pipeline: found.pipeline, data: found.data, site: found.site }, transport);
      job.#uuid = found.uuid;
      job.#token = found.token;
      job.#state = found.state;
      job.#version = found.version;
      job.#claim = found.claim;
      return job;
    });
  }

  /** The claim this client holds on the job (from {@link PipelineJob.claim}) until it starts or is released. */
  get claim(): JobClaim | undefined {
    return this.#claim;
  }

  /**
   * Gives a claimed job back before its lease ends, after the calls queued before it; resolves
   * with the job's state. Refused `claim_not_held` when this client no longer holds it.
   */
  release(): Promise<JobState> {
    const result = this.#tail.then(async () => {
      if (this.#uuid === undefined || this.#claim === undefined)
        throw new PipelineJobsError('claim_not_held', 'this job was not claimed through PipelineJob.claim');
      const verdict = await this.#transport.release(this.#uuid, this.#claim.by);
      this.#claim = undefined;
      this.#state = verdict.state;
      this.#version = verdict.version ?? this.#version;
      return verdict.state;
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** The job uuid (UUID v5 of pipeline and data); undefined until set up. */
  get uuid(): string | undefined {
    return this.#uuid;
  }

  /** The per-job token every event carries; undefined until set up. Keep it secret. */
  get token(): string | undefined {
    return this.#token;
  }

  /** The pipeline id (undefined for a job loaded over AMQP without it). */
  get pipeline(): string | undefined {
    return this.#pipeline;
  }

  /** The job's create data (undefined for a job loaded over AMQP without it). */
  get data(): JsonObject | undefined {
    return this.#data;
  }

  /** The state after the last call that answered; undefined before setup (and after an AMQP load). */
  get state(): JobState | undefined {
    return this.#state;
  }

  /** The job's version after the last call that answered (1 after create, +1 per applied event). */
  get version(): number | undefined {
    return this.#version;
  }

  /** Where the job's products go, as the server recorded it. */
  get archivePath(): string | undefined {
    return this.#archivePath;
  }

  /**
   * Ready-made callbacks once set up: `events` URL, Agave `notifications` entries (with the
   * `${JOB_STATUS}` macro) and Slurm `sbatch` options. Over HTTP from the bridge's answer; over
   * AMQP only when the transport was given a `callbackBase`.
   */
  get callbacks(): JobCallbacks | undefined {
    return this.#callbacks;
  }

  /** The transport this job talks through. */
  get transport(): PipelineJobsTransport {
    return this.#transport;
  }

  /**
   * Reads the job's state again, after the calls queued before it (e.g. after a
   * `VerdictTimeoutError`). Over AMQP it needs the pipeline and data (see {@link PipelineJob.load});
   * without them it resolves with the last known state. Undefined before setup.
   */
  refresh(): Promise<JobState | undefined> {
    const result = this.#tail.then(async () => {
      if (this.#uuid === undefined || this.#token === undefined) return undefined;
      const snapshot = await this.#transport.describe(this.#uuid, this.#token, {
        ...optionalField('pipeline', this.#pipeline),
        ...optionalField('data', this.#data),
      });
      if (snapshot.state !== undefined) this.#state = snapshot.state;
      if (snapshot.version !== undefined) this.#version = snapshot.version;
      if (snapshot.archivePath !== undefined) this.#archivePath = snapshot.archivePath;
      return this.#state;
    });
    this.#tail = result.catch(() => undefined);
    return result;
  }

  protected queue(step: JobStep): JobChain {
    return new JobChain(this.#perform, this.#perform(step));
  }

  /** Runs `step` after every call queued before it, whatever their outcome. */
  readonly #perform = (step: JobStep): Promise<JobState> => {
    const result = this.#tail.then(() => this.#execute(step));
    this.#tail = result.catch(() => undefined);
    return result;
  };

  async #execute(step: JobStep): Promise<JobState> {
    if (step.kind === 'setup') return this.#setup();
    if (this.#uuid === undefined) await this.#setup();
    const uuid = this.#uuid;
    const token = this.#token;
    if (uuid === undefined || token === undefined)
      throw new PipelineJobsError('internal_error', 'the job has no uuid or token after setup');
    const verdict = await this.#transport.send({
      uuid,
      token,
      name: step.name,
      id: randomUUID(),
      ...optionalField('data', step.data),
    });
    this.#state = verdict.state;
    this.#version = verdict.version ?? this.#version;
    // Leaving CREATED ended the lease (the manager cleared it in the same write).
    if (verdict.state !== 'CREATED') this.#claim = undefined;
    return verdict.state;
  }

  async #setup(): Promise<JobState> {
    if (this.#pipeline === undefined) {
      // Loaded over AMQP without its pipeline: there is nothing to create, only a state to report.
      if (this.#state !== undefined) return this.#state;
      throw new PipelineJobsError(
        'schema_violation',
        'setup() of a job loaded without its pipeline and data: pass them to PipelineJob.load',
        { field: 'pipeline' },
      );
    }
    const created = await this.#transport.create({
      pipeline: this.#pipeline,
      data: this.#data ?? {},
      ...this.#options,
    });
    if (this.#uuid !== undefined && created.uuid !== this.#uuid) {
      throw new PipelineJobsError(
        'schema_violation',
        `the pipeline and data name job ${created.uuid}, not ${this.#uuid}`,
        { field: 'data', uuid: this.#uuid },
      );
    }
    this.#uuid = created.uuid;
    this.#token = created.token;
    this.#state = created.state;
    this.#version = created.version ?? this.#version;
    this.#archivePath = created.archivePath ?? this.#archivePath;
    this.#callbacks = created.callbacks ?? this.#callbacks;
    return created.state;
  }
}
