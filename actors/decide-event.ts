import { PipelineJobsError } from '../errors/index.js';
import { applyEvent } from '../model/apply-event.js';
import type { EventOutcome, Rejected } from '../model/event-outcome.js';
import { buildNewJob } from '../model/new-job.js';
import type { JobTokens, VerifiedToken } from '../model/job-tokens.js';
import type { TokenCheck } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import type { PipelineCatalog } from '../registry/pipeline-catalog.js';
import type { EventMessage } from '../schemas/types.js';
import type { JobDocument } from '../model/job.js';

/** Everything {@link decideEvent} needs besides the message. */
export interface DecideContext {
  readonly store: JobStore;
  readonly tokens: JobTokens;
  readonly requireToken: boolean;
  readonly now: Date;
  /** The job uuid the message is about (derived for a create). */
  readonly uuid: string;
  /** The event's idempotency id. */
  readonly eventId: string;
  /** Default `source` when the message names none. */
  readonly source: string;
  /** Who published the message, as the bus knows it: `amqp:<user>` when the broker vouched for one, else `bus`. */
  readonly publisher: string;
  /**
   * The pipeline registry a create is checked against (the bridge checks with the same catalog) and
   * whose status vocabularies translate status words and check phase moves; none: any pipeline, no vocabularies.
   */
  readonly pipelines?: PipelineCatalog;
}

/**
 * Runs a token check. The token rules throw their refusals (missing, invalid, expired): here they
 * become the outcome the event ends with; any other error is unexpected and thrown on.
 */
function checkToken<T>(check: () => T): { readonly passed: T } | { readonly refusal: Rejected } {
  try {
    return { passed: check() };
  } catch (err) {
    if (err instanceof PipelineJobsError)
      return { refusal: { outcome: 'rejected', code: err.code, message: err.message, token: 'refused' } };
    throw err;
  }
}

/**
 * The credential a create is made for: the `creator` it claims when its token proves the claim (the
 * bridge's way of naming its caller), else the publisher. Throws a token refusal.
 */
function requesterOf(
  message: Extract<EventMessage, { name: 'create' }>,
  context: DecideContext,
): { creator: string; verified?: VerifiedToken } {
  if (message.token === undefined && message.creator === undefined) return { creator: context.publisher };
  const verified = context.tokens.verify(context.uuid, message.token, context.now);
  if (message.creator === undefined) return { creator: context.publisher, verified };
  if (verified.kind === 'job' && !context.tokens.boundTo(verified, message.creator)) {
    throw new PipelineJobsError(
      'token_invalid',
      `the token does not prove creator ${message.creator} for job ${context.uuid}`,
      { uuid: context.uuid },
    );
  }
  return { creator: message.creator, verified };
}

async function decideCreate(
  message: Extract<EventMessage, { name: 'create' }>,
  context: DecideContext,
): Promise<EventOutcome> {
  if (message.uuid !== undefined && message.uuid.toLowerCase() !== context.uuid) {
    return {
      outcome: 'rejected',
      code: 'schema_violation',
      message: `event.uuid ${message.uuid} is not the uuid of this pipeline and data (${context.uuid})`,
      token: 'unchecked',
    };
  }
  // A named ulid is unique by construction, so only a copy of another job's ulid can clash.
  if (message.ulid !== undefined) {
    const [holder] = (await context.store.list({ ulid: message.ulid, limit: 1 })).jobs;
    if (holder !== undefined && holder.uuid !== context.uuid)
      return {
        outcome: 'rejected',
        code: 'schema_violation',
        message: `event.ulid ${message.ulid} already names job ${holder.uuid}`,
        token: 'unchecked',
      };
  }
  const refused = context.pipelines?.checkCreate(message.pipeline, message.data ?? {}, 'event');
  if (refused !== undefined)
    return { outcome: 'rejected', code: refused.code, message: refused.message, token: 'unchecked' };
  const checked = checkToken(() => requesterOf(message, context));
  if ('refusal' in checked) return checked.refusal;
  const requester = checked.passed;
  const heartbeatMs = context.pipelines?.heartbeatOf(message.pipeline);
  const record = buildNewJob(
    {
      pipeline: message.pipeline,
      data: message.data ?? {},
      ...(message.owner !== undefined && { owner: message.owner }),
      ...(message.site !== undefined && { site: message.site }),
      ...(message.queue !== undefined && { queue: message.queue }),
      ...(message.ulid !== undefined && { ulid: message.ulid }),
      ...(message.archivePath !== undefined && { archivePath: message.archivePath }),
      ...(message.detail !== undefined && { detail: message.detail }),
      ...(message.heartbeat !== undefined && { heartbeat: message.heartbeat }),
    },
    {
      now: context.now,
      source: message.source ?? context.source,
      creator: requester.creator,
      ...(heartbeatMs !== undefined && { pipelineHeartbeatMs: heartbeatMs }),
      ...(message.seq !== undefined && { seq: message.seq }),
    },
  );
  const { created, job } = await context.store.create(record);
  const creator = job.creator ?? '';
  const token = context.tokens.forJob(job.uuid, creator);
  if (created) return { outcome: 'applied', job, from: null, entry: record.entry, token };
  const { verified } = requester;
  // The same party, an operator, or whoever already holds the job's token may have it (again).
  const entitled =
    requester.creator === creator ||
    verified?.kind === 'operator' ||
    (verified !== undefined && context.tokens.boundTo(verified, creator));
  if (entitled) return { outcome: 'duplicate', job, token };
  return {
    outcome: 'duplicate',
    job,
    withheld: {
      code: 'job_exists',
      message:
        `job ${job.uuid} already exists, created by another credential; its ` +
        `token goes only to its creator and to admins`,
    },
  };
}

/**
 * Token check, then create or load → machine → conditional write. Refusals come back as
 * outcomes; only infrastructure failures (store unreachable) throw.
 *
 * A job-scoped event's token is checked when tokens are required, and whenever one is present (the
 * bridge always sends one): its signature first, then, once the job is loaded, its creator and
 * whether the job's life still covers it.
 */
export async function decideEvent(message: EventMessage, context: DecideContext): Promise<EventOutcome> {
  if (message.name === 'create') return decideCreate(message, context);
  let verified: VerifiedToken | undefined;
  if (context.requireToken || message.token !== undefined) {
    const checked = checkToken(() => context.tokens.verify(context.uuid, message.token, context.now));
    if ('refusal' in checked) return checked.refusal;
    verified = checked.passed;
  }
  const token: TokenCheck = verified === undefined ? 'unchecked' : 'verified';
  const admitted = verified;
  const admit = (job: JobDocument): Rejected | undefined => {
    if (admitted === undefined) return undefined;
    const checked = checkToken(() => context.tokens.admit(admitted, job, context.now));
    return 'refusal' in checked ? checked.refusal : undefined;
  };
  const outcome = await applyEvent(
    context.store,
    {
      id: context.eventId,
      uuid: context.uuid,
      ...(message.name !== undefined && { name: message.name }),
      ...(message.status !== undefined && { status: message.status }),
      ...(message.phase !== undefined && { phase: message.phase }),
      data: message.data ?? null,
      source: message.source ?? context.source,
      ...(message.detail !== undefined && { detail: message.detail }),
      ...(message.seq !== undefined && { seq: message.seq }),
    },
    {
      now: context.now,
      admit,
      ...(context.pipelines !== undefined && {
        vocabularyOf: (pipeline: string) => context.pipelines?.vocabularyOf(pipeline),
        heartbeatOf: (pipeline: string) => context.pipelines?.heartbeatOf(pipeline),
      }),
    },
  );
  if (outcome.outcome === 'deferred' || (outcome.outcome === 'rejected' && outcome.token === undefined))
    return { ...outcome, token };
  return outcome;
}
