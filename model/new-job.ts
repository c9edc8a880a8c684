import { decodeTime, monotonicFactory } from 'ulid';
import type { NewJobRecord } from '../ports/job-store.js';
import type { NamedCreateRequest } from '../schemas/types.js';
import type { HistoryEntry, JobDocument } from './job.js';
import { defaultArchivePath } from './archive-path.js';
import { createEventId, jobUuid } from './job-identity.js';

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
}

/**
 * Builds the version-1 job document and its `create` history entry from a validated create
 * request. The uuid is deterministic (see {@link jobUuid}); the ulid (the request's, else a new
 * one) orders jobs by creation; the archive path defaults to {@link defaultArchivePath}.
 */
export function buildNewJob(request: NamedCreateRequest, context: NewJobContext): NewJobRecord {
  const uuid = jobUuid(request.pipeline, request.data, request.ulid);
  const date = context.now.toISOString();
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
    ...(request.site !== undefined && { site: request.site }),
    archivePath: request.archivePath ?? defaultArchivePath(request.pipeline, uuid),
    ...(request.detail !== undefined && { detail: request.detail }),
    ...(context.seq !== undefined && { seq: context.seq }),
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
