import { setTimeout as sleep } from 'node:timers/promises';
import { PipelineJobsError } from '../errors/index.js';
import { jobUuid } from '../model/job-identity.js';
import type { JobTokens } from '../model/job-tokens.js';
import { deadLetterForm } from '../model/dead-letter-form.js';
import type { Applied, EventOutcome, Rejected } from '../model/event-outcome.js';
import { replyOf } from '../protocol/outcome-reply.js';
import type { Delivery, EventBus, Subscription } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import type { Logger } from '../ports/logger.js';
import type { PipelineCatalog } from '../registry/pipeline-catalog.js';
import { publishedAt } from '../protocol/amqp-names.js';
import { parseClaimRequest, parseEventMessage, resolveLimits, type PayloadLimits } from '../schemas/index.js';
import type { ClaimRequestMessage, EventMessage } from '../schemas/types.js';
import { CLAIM_ROUTING_KEY, type ClaimReply } from '../protocol/claim-message.js';
import type { ManagerReply } from '../protocol/manager-reply.js';
import { claimJobs, claimedJob, releaseJob, type ClaimResult } from './claim-requests.js';
import { decideEvent } from './decide-event.js';
import { eventIdOf } from '../model/event-identity.js';
import { JobLanes } from './job-lanes.js';
import { RetryDriver } from './retry-driver.js';
import type { ManagerMetrics } from './manager-metrics.js';

/** Tunables of the {@link Manager}. */
export interface ManagerOptions {
  /** Unsettled messages taken from the bus at once (default 100). */
  readonly prefetch?: number;
  /** Require a valid per-job token on job-scoped events (default true). */
  readonly requireToken?: boolean;
  readonly limits?: Partial<PayloadLimits>;
  /** Delays of the successive retries of a deferred event; its length bounds the retries. */
  readonly deferDelaysMs?: readonly number[];
  /** Backoff while the store is unreachable. */
  readonly transientBackoff?: { readonly initialMs: number; readonly maxMs: number };
  /** `source` recorded for events that name none (default `amqp`). */
  readonly defaultSource?: string;
  /** How often FAILED and RESET jobs are swept for a retry policy's pending step (default 30 s). */
  readonly retrySweepMs?: number;
}

/** What the manager is wired to; ports only. */
export interface ManagerDeps {
  readonly bus: EventBus;
  readonly store: JobStore;
  readonly tokens: JobTokens;
  readonly logger: Logger;
  readonly metrics: ManagerMetrics;
  readonly clock?: () => Date;
  /** The pipeline registry creates are checked against (swapped in place on reload); none: any pipeline. */
  readonly pipelines?: PipelineCatalog;
}

/** Retry schedule for events whose prerequisite has not arrived: about 50 s in all. */
export const DEFAULT_DEFER_DELAYS_MS: readonly number[] = [250, 1000, 2000, 5000, 10_000, 30_000];

/**
 * The manager actor, the only writer of job state. For each message: validate → load job →
 * machine → one conditional write → settle → notify. Every message ends in exactly one outcome,
 * logged and counted: applied, duplicate, rejected (dead-lettered with a reason code), deferred
 * (retried later, dead-lettered when the retries run out); a store failure is retried with
 * backoff while the message stays unacknowledged. Nothing is acked before its commit.
 *
 * Events of one job run in delivery order (one lane per job); jobs run concurrently. Several
 * managers may consume the same queue: the store's conditional write is the arbiter, and an
 * event that arrives ahead of its prerequisite at another manager is deferred, not lost.
 */
export class Manager {
  readonly #deps: ManagerDeps;
  readonly #options: Required<Omit<ManagerOptions, 'limits'>> & { readonly limits: Partial<PayloadLimits> };
  readonly #lanes = new JobLanes();
  readonly #clock: () => Date;
  readonly #maxBytes: number;
  readonly #retries: RetryDriver | undefined;
  #subscription: Subscription | undefined;
  #stopping = false;

  constructor(deps: ManagerDeps, options: ManagerOptions = {}) {
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => new Date());
    this.#options = {
      prefetch: options.prefetch ?? 100,
      requireToken: options.requireToken ?? true,
      limits: options.limits ?? {},
      deferDelaysMs: options.deferDelaysMs ?? DEFAULT_DEFER_DELAYS_MS,
      transientBackoff: options.transientBackoff ?? { initialMs: 100, maxMs: 5000 },
      defaultSource: options.defaultSource ?? 'amqp',
      retrySweepMs: options.retrySweepMs ?? 30_000,
    };
    if (deps.pipelines !== undefined) {
      this.#retries = new RetryDriver({
        store: deps.store,
        pipelines: deps.pipelines,
        logger: deps.logger,
        clock: this.#clock,
        lanes: this.#lanes,
        notify: (applied) => this.#notify(applied, applied.entry.id),
      });
    }
    this.#maxBytes = resolveLimits(this.#options.limits).maxBytes;
  }

  /** Starts consuming. */
  async start(): Promise<void> {
    this.#stopping = false;
    this.#subscription = await this.#deps.bus.consume((d) => this.#onDelivery(d), { prefetch: this.#options.prefetch });
    this.#retries?.start(this.#options.retrySweepMs);
    this.#deps.logger.info(
      { prefetch: this.#options.prefetch, requireToken: this.#options.requireToken },
      'manager consuming',
    );
  }

  /** Stops taking messages, finishes (or requeues) the ones in flight, and resolves. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#retries?.stop();
    await this.#subscription?.stop();
    this.#subscription = undefined;
    await this.#lanes.idle();
    this.#deps.logger.info({}, 'manager stopped');
  }

  #onDelivery(delivery: Delivery): void {
    const started = performance.now();
    const published = publishedAt(delivery.headers);
    if (published !== undefined) this.#deps.metrics.queueLag.observe(Math.max(0, Date.now() - published) / 1000);
    if (delivery.routingKey === CLAIM_ROUTING_KEY) {
      this.#onClaimRequest(delivery, started);
      return;
    }
    let message: EventMessage;
    try {
      message = parseEventMessage(delivery.body, this.#options.limits);
    } catch (err) {
      const refusal = err instanceof PipelineJobsError ? err : new PipelineJobsError('schema_violation', String(err));
      void this.#settle(
        delivery,
        undefined,
        { outcome: 'rejected', code: refusal.code, message: refusal.message, token: 'unchecked' },
        started,
      );
      return;
    }
    const uuid =
      message.name === 'create'
        ? jobUuid(message.pipeline, message.data ?? {}, message.ulid)
        : message.uuid.toLowerCase();
    this.#lanes.run(uuid, () => this.#process(delivery, message, uuid, started));
  }

  async #process(delivery: Delivery, message: EventMessage, uuid: string, started: number): Promise<void> {
    const eventId = eventIdOf(message, delivery);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#decide(delivery, message, uuid, eventId);
      if (outcome.outcome !== 'transient') {
        await this.#settle(delivery, { message, uuid, eventId }, outcome, started);
        // A fail (new, or redelivered after a crash before its retry) may be a retry policy's to answer.
        if ((outcome.outcome === 'applied' || outcome.outcome === 'duplicate') && outcome.job.state === 'FAILED')
          if (this.#deps.pipelines?.registry?.get(outcome.job.pipeline)?.retry !== undefined)
            await this.#retries?.drive(uuid);
        return;
      }
      this.#deps.metrics.count('transient');
      this.#deps.logger.warn(
        { uuid, eventId, event: message.name, outcome: 'transient', code: outcome.code, attempt, err: outcome.message },
        'store failure; retrying',
      );
      if (this.#stopping) {
        await this.#safely(() => delivery.requeue(), uuid, eventId);
        return;
      }
      await sleep(this.#backoff(attempt));
    }
  }

  /**
   * A claim request: claims of one site queue run one after another here (fewer lost races), on
   * their own lane; a release runs on its job's lane, in order with the job's events.
   */
  #onClaimRequest(delivery: Delivery, started: number): void {
    let request: ClaimRequestMessage;
    try {
      request = parseClaimRequest(delivery.body, this.#options.limits);
    } catch (err) {
      const refusal = err instanceof PipelineJobsError ? err : new PipelineJobsError('schema_violation', String(err));
      void this.#reject(
        delivery,
        { event: 'claim', outcome: 'rejected' },
        { outcome: 'rejected', code: refusal.code, message: refusal.message, token: 'unchecked' },
      );
      return;
    }
    const lane = request.op === 'claim' ? `claim\n${request.site}\n${request.queue}` : request.uuid;
    this.#lanes.run(lane, () => this.#claimOrRelease(delivery, request, started));
  }

  async #claimOrRelease(delivery: Delivery, request: ClaimRequestMessage, started: number): Promise<void> {
    const fields = {
      event: request.op,
      requestId: request.id,
      by: request.by,
      ...(request.op === 'claim' ? { site: request.site, queue: request.queue } : { uuid: request.uuid }),
    };
    const taken: ClaimResult = { applied: [], jobs: [] };
    for (let attempt = 0; ; attempt++) {
      try {
        const now = this.#clock();
        if (request.op === 'claim') {
          const { applied, jobs } = await claimJobs(this.#deps.store, request, now, taken);
          await this.#safely(() => delivery.ack(), undefined, request.id);
          for (const outcome of applied) await this.#notify(outcome, request.id);
          this.#deps.metrics.count('applied');
          this.#deps.logger.info({ ...fields, outcome: 'claimed', jobs: jobs.length }, 'claim answered');
          await this.#answer(delivery, {
            outcome: 'claimed',
            jobs: jobs.map((job) => claimedJob(job, this.#deps.tokens)),
          } satisfies ClaimReply);
        } else {
          const outcome = await releaseJob(this.#deps.store, request, now);
          if (outcome.outcome === 'transient') throw new Error(outcome.message);
          if (outcome.outcome === 'deferred') throw new Error(`a release is never deferred: ${outcome.message}`);
          if (outcome.outcome === 'rejected') await this.#reject(delivery, { ...fields, outcome: 'rejected' }, outcome);
          else {
            await this.#safely(() => delivery.ack(), request.uuid, request.id);
            if (outcome.outcome === 'applied') await this.#notify(outcome, request.id);
            this.#deps.metrics.count(outcome.outcome);
            this.#deps.logger.info({ ...fields, outcome: outcome.outcome }, 'release answered');
            await this.#reply(delivery, outcome);
          }
        }
        this.#deps.metrics.applyLatency.observe((performance.now() - started) / 1000);
        return;
      } catch (err) {
        this.#deps.metrics.count('transient');
        this.#deps.logger.warn(
          { ...fields, outcome: 'transient', attempt, err: String(err) },
          'store failure; retrying',
        );
        if (this.#stopping) {
          await this.#safely(() => delivery.requeue(), undefined, request.id);
          return;
        }
        await sleep(this.#backoff(attempt));
      }
    }
  }

  /** The event's outcome; a store that fails (throws) makes it `transient`, to be tried again. */
  async #decide(delivery: Delivery, message: EventMessage, uuid: string, eventId: string): Promise<EventOutcome> {
    try {
      return await decideEvent(message, {
        store: this.#deps.store,
        tokens: this.#deps.tokens,
        requireToken: this.#options.requireToken,
        now: this.#clock(),
        uuid,
        eventId,
        source: this.#options.defaultSource,
        publisher: delivery.userId === undefined ? 'bus' : `amqp:${delivery.userId}`,
        ...(this.#deps.pipelines !== undefined && { pipelines: this.#deps.pipelines }),
      });
    } catch (err) {
      return { outcome: 'transient', code: 'store_unavailable', message: String(err) };
    }
  }

  async #settle(
    delivery: Delivery,
    event: { message: EventMessage; uuid: string; eventId: string } | undefined,
    outcome: Exclude<EventOutcome, { outcome: 'transient' }>,
    started: number,
  ): Promise<void> {
    const { logger, metrics } = this.#deps;
    const status = event?.message.name === 'create' ? undefined : event?.message.status;
    const fields = {
      uuid: event?.uuid,
      eventId: event?.eventId,
      event: outcome.outcome === 'applied' ? outcome.entry.name : event?.message.name,
      ...(status !== undefined && { status }),
      outcome: outcome.outcome,
    };
    switch (outcome.outcome) {
      case 'applied':
      case 'duplicate': {
        // The commit is what the verdict reports: the ack and the notification need not hold the
        // publisher up (a lost ack is a redelivery, settled as a duplicate).
        const acked = this.#safely(() => delivery.ack(), event?.uuid, event?.eventId);
        metrics.count(outcome.outcome);
        const withheld = outcome.outcome === 'duplicate' ? outcome.withheld : undefined;
        // The job's history records every applied event; refusals and deferrals stay at info/warn.
        logger.debug(
          {
            ...fields,
            state: outcome.job.state,
            version: outcome.job.version,
            ...(withheld !== undefined && { code: withheld.code }),
          },
          `event ${outcome.outcome}`,
        );
        const notified = outcome.outcome === 'applied' ? this.#notify(outcome, event?.eventId) : undefined;
        await Promise.all([acked, notified, this.#reply(delivery, outcome)]);
        break;
      }
      case 'deferred': {
        const delay = this.#options.deferDelaysMs[delivery.attempts];
        if (delay !== undefined) {
          await this.#safely(() => delivery.retryLater(delay), event?.uuid, event?.eventId);
          metrics.count('deferred', outcome.code);
          logger.info(
            { ...fields, code: outcome.code, attempts: delivery.attempts, delayMs: delay },
            `event deferred: ${outcome.message}`,
          );
          break;
        }
        await this.#reject(delivery, fields, {
          outcome: 'rejected',
          code: outcome.code,
          message: `${outcome.message} (gave up after ${delivery.attempts} retries)`,
          token: outcome.token ?? 'unchecked',
        });
        break;
      }
      case 'rejected':
        await this.#reject(delivery, fields, outcome);
        break;
    }
    metrics.applyLatency.observe((performance.now() - started) / 1000);
  }

  /** Dead-letters the message in its stored form (without its token), counts, logs and answers the refusal. */
  async #reject(delivery: Delivery, fields: Record<string, unknown>, refusal: Rejected): Promise<void> {
    const { code, message } = refusal;
    const eventId = fields['eventId'] as string | undefined;
    const stored = deadLetterForm(delivery.body, { maxBytes: this.#maxBytes, eventId });
    const reason = { code, message, token: refusal.token ?? 'unchecked' };
    await this.#safely(() => delivery.deadLetter(reason, stored), fields['uuid'] as string | undefined, eventId);
    this.#deps.metrics.count('rejected', code);
    this.#deps.logger.warn({ ...fields, outcome: 'rejected', code }, `event rejected: ${message}`);
    await this.#reply(delivery, refusal);
  }

  /** Publishes the state notification of an applied entry (event or note). */
  async #notify(outcome: Applied, eventId: string | undefined): Promise<void> {
    await this.#safely(
      () =>
        this.#deps.bus.publishState({
          uuid: outcome.job.uuid,
          pipeline: outcome.job.pipeline,
          state: outcome.job.state,
          previousState: outcome.from ?? 'NONE',
          version: outcome.job.version,
          event: outcome.entry.name,
          eventId: outcome.entry.id,
          date: outcome.job.updated,
          ...(outcome.job.phase !== undefined && { phase: outcome.job.phase }),
        }),
      outcome.job.uuid,
      eventId,
    );
  }

  /** Answers the publisher, when it waits for an answer. */
  async #reply(delivery: Delivery, outcome: Parameters<typeof replyOf>[0]): Promise<void> {
    await this.#answer(delivery, replyOf(outcome));
  }

  /** Sends `body` to the publisher, when it waits for an answer. */
  async #answer(delivery: Delivery, body: ManagerReply | ClaimReply): Promise<void> {
    if (delivery.replyTo === undefined || delivery.correlationId === undefined) return;
    const { replyTo, correlationId } = delivery;
    await this.#safely(() => this.#deps.bus.reply(replyTo, correlationId, body), undefined, undefined);
  }

  /** A bus call after the commit: if it fails, the broker redelivers and the duplicate path settles it. */
  async #safely(action: () => Promise<void>, uuid: string | undefined, eventId: string | undefined): Promise<void> {
    try {
      await action();
    } catch (err) {
      this.#deps.logger.warn(
        { uuid, eventId, err: String(err) },
        'bus call failed after commit; the message will be redelivered',
      );
    }
  }

  #backoff(attempt: number): number {
    const { initialMs, maxMs } = this.#options.transientBackoff;
    return Math.random() * Math.min(maxMs, initialMs * 2 ** attempt);
  }
}
