import type { JobState } from '../../../fsm/index.js';
import type { HistoryEntry, JobDocument, JobHeartbeat, LaunchRecord } from '../../../model/job.js';

/** A row of the `jobs` table as better-sqlite3 returns it. */
export interface JobRow {
  uuid: string;
  ulid: string;
  pipeline: string;
  state: string;
  version: number;
  data: string;
  created: string;
  updated: string;
  last_event: string;
  owner: string | null;
  creator: string | null;
  site: string | null;
  queue: string | null;
  archive_path: string | null;
  detail: string | null;
  claim_by: string | null;
  claim_until: string | null;
  seq: number | null;
  /** The launch record as JSON text. */
  launch: string | null;
  phase: string | null;
  /** Absent from a new job's row: a job starts at attempt 1. */
  attempts?: number | null;
  retries_exhausted?: string | null;
  stale_since: string | null;
  stale_until: string | null;
  /** The job's own heartbeat timeout in seconds. */
  hb_timeout: number | null;
  hb_until: string | null;
  hb_count: number | null;
  hb_last: string | null;
}

/** A row of the `history` table. */
export interface HistoryRow {
  id: string;
  job: string;
  version: number;
  name: string;
  date: string;
  data: string | null;
  source: string;
  state: string;
  seq: number | null;
  phase: string | null;
}

/** The `jobs` row for a new job document (claim columns start empty: only a claim note sets them). */
export function jobToRow(job: JobDocument): JobRow {
  return {
    uuid: job.uuid,
    ulid: job.ulid,
    pipeline: job.pipeline,
    state: job.state,
    version: job.version,
    data: JSON.stringify(job.data),
    created: job.created,
    updated: job.updated,
    last_event: job.lastEvent,
    owner: job.owner ?? null,
    creator: job.creator ?? null,
    site: job.site ?? null,
    queue: job.queue ?? null,
    archive_path: job.archivePath ?? null,
    detail: job.detail === undefined ? null : JSON.stringify(job.detail),
    claim_by: null,
    claim_until: null,
    seq: job.seq ?? null,
    launch: job.launch === undefined ? null : JSON.stringify(job.launch),
    phase: job.phase ?? null,
    stale_since: job.stale?.since ?? null,
    stale_until: job.stale?.until ?? null,
    hb_timeout: job.heartbeat?.timeout ?? null,
    hb_until: job.heartbeat?.until ?? null,
    hb_count: job.heartbeat?.count ?? null,
    hb_last: job.heartbeat?.last ?? null,
  };
}

/** The heartbeat record of a `jobs` row, when any of its columns is set. */
function heartbeatOf(row: JobRow): JobHeartbeat | undefined {
  const heartbeat: JobHeartbeat = {
    ...(row.hb_timeout !== null && { timeout: row.hb_timeout }),
    ...(row.hb_until !== null && { until: row.hb_until }),
    ...(row.hb_count !== null && { count: row.hb_count }),
    ...(row.hb_last !== null && { last: row.hb_last }),
  };
  return Object.keys(heartbeat).length > 0 ? heartbeat : undefined;
}

/** The job document of a `jobs` row. */
export function rowToJob(row: JobRow): JobDocument {
  const heartbeat = heartbeatOf(row);
  return {
    uuid: row.uuid,
    ulid: row.ulid,
    pipeline: row.pipeline,
    state: row.state as JobState,
    version: row.version,
    data: JSON.parse(row.data) as Record<string, unknown>,
    created: row.created,
    updated: row.updated,
    lastEvent: row.last_event as JobDocument['lastEvent'],
    ...(row.owner !== null && { owner: row.owner }),
    ...(row.creator !== null && { creator: row.creator }),
    ...(row.site !== null && { site: row.site }),
    ...(row.queue !== null && { queue: row.queue }),
    ...(row.archive_path !== null && { archivePath: row.archive_path }),
    ...(row.detail !== null && { detail: JSON.parse(row.detail) as Record<string, unknown> }),
    ...(row.claim_by !== null && row.claim_until !== null && { claim: { by: row.claim_by, until: row.claim_until } }),
    ...(row.seq !== null && { seq: row.seq }),
    ...(row.launch !== null && row.launch !== undefined && { launch: JSON.parse(row.launch) as LaunchRecord }),
    ...(row.phase !== null && { phase: row.phase }),
    ...(row.attempts !== undefined && row.attempts !== null && { attempts: row.attempts }),
    ...(typeof row.retries_exhausted === 'string' && { retriesExhausted: row.retries_exhausted }),
    ...(row.stale_since !== null &&
      row.stale_until !== null && {
        stale: { since: row.stale_since, until: row.stale_until },
      }),
    ...(heartbeat !== undefined && { heartbeat }),
  };
}

/** The `history` row of an entry. */
export function entryToRow(uuid: string, entry: HistoryEntry): HistoryRow {
  return {
    id: entry.id,
    job: uuid,
    version: entry.version,
    name: entry.name,
    date: entry.date,
    data: entry.data === null ? null : JSON.stringify(entry.data),
    source: entry.source,
    state: entry.state,
    seq: entry.seq ?? null,
    phase: entry.phase ?? null,
  };
}

/** The history entry of a `history` row. */
export function rowToEntry(row: HistoryRow): HistoryEntry {
  return {
    id: row.id,
    name: row.name as HistoryEntry['name'],
    date: row.date,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    source: row.source,
    state: row.state as JobState,
    version: row.version,
    ...(row.seq !== null && { seq: row.seq }),
    ...(row.phase !== null && { phase: row.phase }),
  };
}
