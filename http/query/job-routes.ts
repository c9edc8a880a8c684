import type { FastifyInstance } from 'fastify';
import { JOB_STATES, type JobState } from '../../fsm/index.js';
import { PipelineJobsError } from '../../errors/index.js';
import type { JobStore, ListQuery } from '../../ports/job-store.js';
import { statusChanges } from '../../model/status-changes.js';
import { UUID_PATTERN } from '../../schemas/uuid-format.js';

const DATE = { type: 'string', format: 'date-time' } as const;

const uuidParams = {
  type: 'object',
  required: ['uuid'],
  properties: { uuid: { type: 'string', pattern: UUID_PATTERN.source } },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pipeline: { type: 'string', minLength: 1, maxLength: 128 },
    state: { type: 'string', pattern: `^(${JOB_STATES.join('|')})(,(${JOB_STATES.join('|')}))*$` },
    owner: { type: 'string', minLength: 1, maxLength: 256 },
    site: { type: 'string', minLength: 1, maxLength: 256 },
    phase: { type: 'string', minLength: 1, maxLength: 64, description: 'Jobs in exactly this phase (case-sensitive).' },
    stale: {
      type: 'boolean',
      description: 'true: only jobs flagged stale (lease expired, docs/heartbeats.md); false: only the others.',
    },
    since: DATE,
    until: DATE,
    updatedSince: DATE,
    updatedUntil: DATE,
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    cursor: { type: 'string', maxLength: 200 },
    order: { type: 'string', enum: ['asc', 'desc'] },
    error: {
      type: 'boolean',
      description: 'true: only jobs whose last state change raised an error (FAILED); false: only the others.',
    },
  },
} as const;

interface ListParams {
  pipeline?: string;
  state?: string;
  owner?: string;
  site?: string;
  phase?: string;
  stale?: boolean;
  since?: string;
  until?: string;
  updatedSince?: string;
  updatedUntil?: string;
  limit?: number;
  cursor?: string;
  order?: 'asc' | 'desc';
  error?: boolean;
}

/** The `state` filter once `error` (HR-S&I's "error raised") narrows it: FAILED, or every state but FAILED. */
function statesOf(q: ListParams): JobState[] | undefined {
  const named = q.state?.split(',') as JobState[] | undefined;
  if (q.error === undefined) return named;
  const states = named ?? [...JOB_STATES];
  return states.filter((s) => (s === 'FAILED') === q.error);
}

async function requireJob(store: JobStore, uuid: string) {
  const job = await store.get(uuid.toLowerCase());
  if (job === undefined) throw new PipelineJobsError('unknown_job', `no job with uuid ${uuid}`, { uuid });
  return job;
}

/** Dates compare as stored strings: normalise an offset date to the stored UTC form. */
function utc(date: string | undefined): string | undefined {
  return date === undefined ? undefined : new Date(date).toISOString();
}

/**
 * The query API: "where is job X and how did it get there". Reads the store only.
 * `since`/`until` bound the creation time; `updatedSince`/`updatedUntil` the last change.
 */
export function registerJobRoutes(app: FastifyInstance, store: JobStore): void {
  app.get<{ Params: { uuid: string } }>('/jobs/:uuid', { schema: { params: uuidParams } }, async (request) =>
    requireJob(store, request.params.uuid),
  );

  app.get<{ Params: { uuid: string } }>('/jobs/:uuid/history', { schema: { params: uuidParams } }, async (request) => {
    const job = await requireJob(store, request.params.uuid);
    return { uuid: job.uuid, state: job.state, version: job.version, history: await store.history(job.uuid) };
  });

  app.get<{ Params: { uuid: string } }>(
    '/jobs/:uuid/status-changes',
    {
      schema: {
        summary: "A job's status-change log: time, state, phase, error subtype and message, attempt (HR-S&I's view)",
        params: uuidParams,
      },
    },
    async (request) => {
      const job = await requireJob(store, request.params.uuid);
      return {
        uuid: job.uuid,
        state: job.state,
        attempts: job.attempts ?? 1,
        statusChanges: statusChanges(await store.history(job.uuid)),
      };
    },
  );

  app.get<{ Querystring: ListParams }>('/jobs', { schema: { querystring: listQuery } }, async (request) => {
    const q = request.query;
    const since = utc(q.since);
    const until = utc(q.until);
    const updatedSince = utc(q.updatedSince);
    const updatedUntil = utc(q.updatedUntil);
    const states = statesOf(q);
    if (states?.length === 0) return { jobs: [] };
    const query: ListQuery = {
      ...(q.pipeline !== undefined && { pipeline: q.pipeline }),
      ...(states !== undefined && { state: states }),
      ...(q.owner !== undefined && { owner: q.owner }),
      ...(q.site !== undefined && { site: q.site }),
      ...(q.phase !== undefined && { phase: q.phase }),
      ...(q.stale !== undefined && { stale: q.stale }),
      ...(since !== undefined && { createdSince: since }),
      ...(until !== undefined && { createdUntil: until }),
      ...(updatedSince !== undefined && { updatedSince }),
      ...(updatedUntil !== undefined && { updatedUntil }),
      ...(q.limit !== undefined && { limit: q.limit }),
      ...(q.cursor !== undefined && { cursor: q.cursor }),
      ...(q.order !== undefined && { order: q.order }),
    };
    return store.list(query);
  });
}
