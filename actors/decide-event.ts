import { PipelineJobsError, type ErrorCode } from '../errors/index.js';
import type { JobState } from '../fsm/index.js';
import { applyEvent, type DeferCode } from '../model/apply-event.js';
import { buildNewJob } from '../model/new-job.js';
import type { JobTokens, VerifiedToken } from '../model/job-tokens.js';
import type { TokenCheck } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import type { EventMessage, HistoryEntry, JobDocument } from '../schemas/types.js';

/** Why a repeated create is answered without the job's token. */
export interface Withheld {
  readonly code: 'job_exists';
  readonly message: string;
}

/** What the manager does with one validated message. */
export type Decision =
  | { readonly outcome: 'applied'; readonly job: JobDocument; readonly from: JobState | null; readonly entry?: HistoryEntry; readonly token?: string }
  /** A repeated create carries the token for its creator, or `withheld` for anyone else. */
  | { readonly outcome: 'duplicate'; readonly job: JobDocument; readonly token?: string; readonly withheld?: Withheld }
  /** `token`: what was known of the message's token, kept with it if the retries run out. */
  | { readonly outcome: 'deferred'; readonly code: DeferCode; readonly message: string; readonly token: TokenCheck }
  | { readonly outcome: 'rejected'; readonly code: ErrorCode; readonly message: string; readonly token: TokenCheck };

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
}

/** Refusals of a token, by the stateless check or once the job is loaded. */
const TOKEN_CODES: ReadonlySet<string> = new Set(['token_missing', 'token_invalid', 'token_expired']);

function rejected(err: PipelineJobsError, token: TokenCheck): Decision {
  return { outcome: 'rejected', code: err.code, message: err.message, token };
}

/**
 * The credential a create is made for: the `creator` it claims when its token proves the claim (the
 * bridge's way of naming its caller), else the publisher. Throws a token refusal.
 */
function requesterOf(message: Extract<EventMessage, { name: 'create' }>, context: DecideContext): { creator: string; verified?: VerifiedToken } {
  if (message.token === undefined && message.creator === undefined) return { creator: context.publisher };
  const verified = context.tokens.verify(context.uuid, message.token, context.now);
  if (message.creator === undefined) return { creator: context.publisher, verified };
  if (verified.kind === 'job' && !context.tokens.boundTo(verified, message.creator)) {
    throw new PipelineJobsError('token_invalid', `the token does not prove creator ${message.creator} for job ${context.uuid}`, { uuid: context.uuid });
  }
  return { creator: message.creator, verified };
}

async function decideCreate(message: Extract<EventMessage, { name: 'create' }>, context: DecideContext): Promise<Decision> {
  if (message.uuid !== undefined && message.uuid.toLowerCase() !== context.uuid) {
    return { outcome: 'rejected', code: 'schema_violation', message: `event.uuid ${message.uuid} is not the uuid of this pipeline and data (${context.uuid})`, token: 'unchecked' };
  }
  let requester: ReturnType<typeof requesterOf>;
  try {
    requester = requesterOf(message, context);
  } catch (err) {
    if (err instanceof PipelineJobsError) return rejected(err, 'refused');
    throw err;
  }
  const record = buildNewJob(
    {
      pipeline: message.pipeline,
      data: message.data ?? {},
      ...(message.owner !== undefined && { owner: message.owner }),
      ...(message.site !== undefined && { site: message.site }),
      ...(message.archivePath !== undefined && { archivePath: message.archivePath }),
      ...(message.detail !== undefined && { detail: message.detail }),
    },
    { now: context.now, source: message.source ?? context.source, creator: requester.creator, ...(message.seq !== undefined && { seq: message.seq }) },
  );
  const { created, job } = await context.store.create(record);
  const creator = job.creator ?? '';
  const token = context.tokens.forJob(job.uuid, creator);
  if (created) return { outcome: 'applied', job, from: null, entry: record.entry, token };
  const { verified } = requester;
  // The same party, an operator, or whoever already holds the job's token may have it (again).
  const entitled = requester.creator === creator || verified?.kind === 'operator' || (verified !== undefined && context.tokens.boundTo(verified, creator));
  if (entitled) return { outcome: 'duplicate', job, token };
  return {
    outcome: 'duplicate',
    job,
    withheld: { code: 'job_exists', message: `job ${job.uuid} already exists, created by another credential; its token goes only to its creator and to admins` },
  };
}

/**
 * Token check, then create or load → machine → conditional write. Refusals come back as
 * decisions; only infrastructure failures (store unreachable) throw.
 *
 * A job-scoped event's token is checked when tokens are required, and whenever one is present (the
 * bridge always sends one): its signature first, then, once the job is loaded, its creator and
 * whether the job's life still covers it.
 */
export async function decideEvent(message: EventMessage, context: DecideContext): Promise<Decision> {
  if (message.name === 'create') return decideCreate(message, context);
  let verified: VerifiedToken | undefined;
  if (context.requireToken || message.token !== undefined) {
    try {
      verified = context.tokens.verify(context.uuid, message.token, context.now);
    } catch (err) {
      if (err instanceof PipelineJobsError) return rejected(err, 'refused');
      throw err;
    }
  }
  const token: TokenCheck = verified === undefined ? 'unchecked' : 'verified';
  const admitted = verified;
  try {
    const outcome = await applyEvent(
      context.store,
      {
        id: context.eventId,
        uuid: context.uuid,
        name: message.name,
        data: message.data ?? null,
        source: message.source ?? context.source,
        ...(message.detail !== undefined && { detail: message.detail }),
        ...(message.seq !== undefined && { seq: message.seq }),
      },
      { now: context.now, ...(admitted !== undefined && { admit: (job: JobDocument) => context.tokens.admit(admitted, job, context.now) }) },
    );
    switch (outcome.outcome) {
      case 'applied':
        return { outcome: 'applied', job: outcome.job, from: outcome.from, entry: outcome.entry };
      case 'duplicate':
        return { outcome: 'duplicate', job: outcome.job };
      case 'deferred':
        return { outcome: 'deferred', code: outcome.code, message: outcome.message, token };
      case 'rejected':
        return { outcome: 'rejected', code: outcome.code, message: outcome.message, token };
    }
  } catch (err) {
    if (err instanceof PipelineJobsError && TOKEN_CODES.has(err.code)) return rejected(err, 'refused');
    if (err instanceof PipelineJobsError && err.code === 'event_id_conflict') return rejected(err, token);
    throw err;
  }
}
