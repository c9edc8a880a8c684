import { PipelineJobsError, type ErrorCode } from '../errors/index.js';
import type { JobState } from '../fsm/index.js';
import { applyEvent, type DeferCode } from '../model/apply-event.js';
import { buildNewJob } from '../model/new-job.js';
import type { JobTokens } from '../model/job-tokens.js';
import type { TokenCheck } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import type { EventMessage, HistoryEntry, JobDocument } from '../schemas/types.js';

/** What the manager does with one validated message. */
export type Decision =
  | { readonly outcome: 'applied'; readonly job: JobDocument; readonly from: JobState | null; readonly entry?: HistoryEntry; readonly token?: string }
  | { readonly outcome: 'duplicate'; readonly job: JobDocument; readonly token?: string }
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
}

function rejected(err: PipelineJobsError, token: TokenCheck): Decision {
  return { outcome: 'rejected', code: err.code, message: err.message, token };
}

async function decideCreate(message: Extract<EventMessage, { name: 'create' }>, context: DecideContext): Promise<Decision> {
  if (message.uuid !== undefined && message.uuid.toLowerCase() !== context.uuid) {
    return { outcome: 'rejected', code: 'schema_violation', message: `event.uuid ${message.uuid} is not the uuid of this pipeline and data (${context.uuid})`, token: 'unchecked' };
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
    { now: context.now, source: message.source ?? context.source, ...(message.seq !== undefined && { seq: message.seq }) },
  );
  const { created, job } = await context.store.create(record);
  const token = context.tokens.issue(job.uuid, context.now);
  return created ? { outcome: 'applied', job, from: null, entry: record.entry, token } : { outcome: 'duplicate', job, token };
}

/**
 * Token check, then create or load → machine → conditional write. Refusals come back as
 * decisions; only infrastructure failures (store unreachable) throw.
 */
export async function decideEvent(message: EventMessage, context: DecideContext): Promise<Decision> {
  if (message.name === 'create') return decideCreate(message, context);
  let token: TokenCheck = 'unchecked';
  if (context.requireToken) {
    try {
      context.tokens.verify(context.uuid, message.token, context.now);
      token = 'verified';
    } catch (err) {
      if (err instanceof PipelineJobsError) return rejected(err, 'refused');
      throw err;
    }
  }
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
      { now: context.now },
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
    if (err instanceof PipelineJobsError && err.code === 'event_id_conflict') return rejected(err, token);
    throw err;
  }
}
