import { decodeTime, monotonicFactory } from 'ulid';
import type { NewJobRecord } from '../ports/job-store.js';
import type { CreateRequest, NamedCreateRequest } from '../schemas/types.js';
import type { HistoryEntry, JobDocument, JobHeartbeat } from './job.js';
import { durationMs } from '../registry/heartbeat-policy.js';
import { leaseUntil } from './heartbeat.js';
import { defaultArchivePath } from './archive-path.js';
import { createEventId, jobUuid } from './job-identity.js';
import { DEFAULT_QUEUE } from './site-queue.js';

const nextUlid = monotonicFactory();

/** A new ulid at `now`, strictly after every other this process made (one monotonic source for all). */
export function newUlid(now: Date): string {
  return nextUlid(now.getTime());
}

/** The time a ulid was made at, in ms since the epoch (Photon Ranch's `timestamp_ms`). */
export function ulidTime(ulid: string): number {
  return decodeTime(ulid);
}

/** Context of a create that is not part of the request itself. */
export interface NewJobContext {
  readonly now: Date;
  /** Who asked (amqp, http, cli …); recorded in the create history entry. */
  readonly source: string;
  /** The publisher's sequence number of the create event, when it carried one. */
  readonly seq?: number;
  /** The credential the job is created for (see `JobDocument.creator`). */
  readonly creator?: string;
  /** The heartbeat timeout of the job's pipeline in ms (registry); the job's own overrides it. */
  readonly pipelineHeartbeatMs?: number;
}

/** The heartbeat record a new job starts with: its own timeout and its first lease, when either applies. */
function firstLease(request: CreateRequest, context: NewJobContext): JobHeartbeat | undefined {
  const ownMs = request.heartbeat === undefined ? undefined : durationMs(request.heartbeat.timeout);
  const timeoutMs = ownMs ?? context.pipelineHeartbeatMs;
  if (timeoutMs === undefined) return undefined;
  return { ...(ownMs !== undefined && { timeout: ownMs / 1000 }), until: leaseUntil(context.now, timeoutMs) };
}

/**
 * Builds the version-1 job document and its `create` history entry from a validated create
 * request. The uuid is deterministic (see {@link jobUuid}); the ulid (the request's, else a new
 * one) orders jobs by creation; the archive path defaults to {@link defaultArchivePath}.
 */
export function buildNewJob(request: NamedCreateRequest, context: NewJobContext): NewJobRecord {
  const uuid = jobUuid(request.pipeline, request.data, request.ulid);
  const date = context.now.toISOString();
  const heartbeat = firstLease(request, context);
  const job: JobDocument = {
    uuid,
    ulid: request.ulid ?? newUlid(context.now),
    pipeline: request.pipeline,
    state: 'CREATED',
    version: 1,
    data: request.data,
    created: date,
    updated: date,
    lastEvent: 'create',
    ...(request.owner !== undefined && { owner: request.owner }),
    ...(context.creator !== undefined && { creator: context.creator }),
    ...(request.site !== undefined && { site: request.site, queue: request.queue ?? DEFAULT_QUEUE }),
    archivePath: request.archivePath ?? defaultArchivePath(request.pipeline, uuid),
    ...(request.detail !== undefined && { detail: request.detail }),
    ...(context.seq !== undefined && { seq: context.seq }),
    ...(heartbeat !== undefined && { heartbeat }),
  };
  const entry: HistoryEntry = {
    id: createEventId(uuid),
    name: 'create',
    date,
    data: request.data,
    source: context.source,
    state: 'CREATED',
    version: 1,
    ...(context.seq !== undefined && { seq: context.seq }),
  };
  return { job, entry };
}
