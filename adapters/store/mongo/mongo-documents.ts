import type { Filter } from 'mongodb';
import type { JobState } from '../../../fsm/index.js';
import type { HistoryEntry, JobClaim, JobDocument, JobHeartbeat, JobStale, LaunchRecord } from '../../../model/job.js';
import { isJobNoteName } from '../../../model/job-notes.js';
import type { ApplySet } from '../../../ports/job-store.js';

/**
 * User data (`data`, `detail`) is stored as JSON text, never as BSON sub-documents: keys such as
 * `$where`, `a.b` or `__proto__` then cannot be read as operators or paths by MongoDB, by
 * FerretDB (which refuses such keys) or by the driver, and they come back byte for byte.
 */
export interface StoredJob {
  _id: string;
  ulid: string;
  pipeline: string;
  state: string;
  version: number;
  data: string;
  created: string;
  updated: string;
  lastEvent: string;
  owner?: string;
  creator?: string;
  site?: string;
  queue?: string;
  archivePath?: string;
  detail?: string;
  /** Set by claim notes, cleared by release and by leaving CREATED: rolled forward from history like the rest. */
  claim?: JobClaim | null;
  seq?: number;
  /** Plain strings only (no user keys), so it is kept as a sub-document and matched by path. */
  launch?: LaunchRecord;
  phase?: string;
  attempts?: number;
  retriesExhausted?: string | null;
  /** Plain values only, like `launch`; null or absent: not stale. */
  stale?: JobStale | null;
  heartbeat?: JobHeartbeat;
}

/** One history entry: `_id` is the event id (idempotency), (`job`, `version`) is unique. */
export interface StoredEntry {
  _id: string;
  job: string;
  version: number;
  name: string;
  date: string;
  data: string | null;
  source: string;
  state: string;
  /** The job's new `detail`, when the event replaced it (needed to roll the job forward). */
  detail?: string;
  seq?: number;
  /** The phase the event set (the job takes it when rolled forward). */
  phase?: string;
  /** The job fields the entry set (`ApplyCommand.set`: claim, attempts, stale, heartbeat…), to roll the job forward. */
  set?: ApplySet;
  /**
   * What the job had to be, besides one version behind, for the entry to apply (`ApplyCommand.expected`):
   * every writer that rolls the job forward checks it, so an entry whose precondition failed is applied
   * by nobody and its own writer may take it back.
   */
  expected?: { state: string; leaseUntil?: string };
}

/** What an entry carries besides the history entry itself. */
export interface EntryExtras {
  readonly detail?: Record<string, unknown> | undefined;
  readonly set?: ApplySet | undefined;
  readonly expected?: { readonly state: string; readonly leaseUntil?: string | undefined } | undefined;
}

/** The stored form of a new job. */
export function jobToStored(job: JobDocument): StoredJob {
  return {
    _id: job.uuid,
    ulid: job.ulid,
    pipeline: job.pipeline,
    state: job.state,
    version: job.version,
    data: JSON.stringify(job.data),
    created: job.created,
    updated: job.updated,
    lastEvent: job.lastEvent,
    ...(job.owner !== undefined && { owner: job.owner }),
    ...(job.creator !== undefined && { creator: job.creator }),
    ...(job.site !== undefined && { site: job.site }),
    ...(job.queue !== undefined && { queue: job.queue }),
    ...(job.archivePath !== undefined && { archivePath: job.archivePath }),
    ...(job.detail !== undefined && { detail: JSON.stringify(job.detail) }),
    claim: null,
    ...(job.seq !== undefined && { seq: job.seq }),
    ...(job.phase !== undefined && { phase: job.phase }),
    ...(job.heartbeat !== undefined && { heartbeat: { ...job.heartbeat } }),
  };
}

/** The job document of a stored job. */
export function storedToJob(doc: StoredJob): JobDocument {
  return {
    uuid: doc._id,
    ulid: doc.ulid,
    pipeline: doc.pipeline,
    state: doc.state as JobState,
    version: doc.version,
    data: JSON.parse(doc.data) as Record<string, unknown>,
    created: doc.created,
    updated: doc.updated,
    lastEvent: doc.lastEvent as JobDocument['lastEvent'],
    ...(doc.owner !== undefined && { owner: doc.owner }),
    ...(doc.creator !== undefined && { creator: doc.creator }),
    ...(doc.site !== undefined && { site: doc.site }),
    ...(doc.queue !== undefined && { queue: doc.queue }),
    ...(doc.archivePath !== undefined && { archivePath: doc.archivePath }),
    ...(doc.detail !== undefined && { detail: JSON.parse(doc.detail) as Record<string, unknown> }),
    ...(doc.claim !== undefined && doc.claim !== null && { claim: { by: doc.claim.by, until: doc.claim.until } }),
    ...(doc.seq !== undefined && { seq: doc.seq }),
    ...(doc.phase !== undefined && { phase: doc.phase }),
    ...(doc.attempts !== undefined && { attempts: doc.attempts }),
    ...(typeof doc.retriesExhausted === 'string' && { retriesExhausted: doc.retriesExhausted }),
    ...(doc.launch !== undefined && doc.launch !== null && { launch: launchOf(doc.launch) }),
    ...(doc.stale !== undefined && doc.stale !== null && { stale: { since: doc.stale.since, until: doc.stale.until } }),
    ...(doc.heartbeat !== undefined && doc.heartbeat !== null && { heartbeat: heartbeatOf(doc.heartbeat) }),
  };
}

/** A heartbeat record with only its own fields. */
function heartbeatOf(stored: JobHeartbeat): JobHeartbeat {
  return {
    ...(stored.timeout !== undefined && { timeout: stored.timeout }),
    ...(stored.until !== undefined && { until: stored.until }),
    ...(stored.count !== undefined && { count: stored.count }),
    ...(stored.last !== undefined && { last: stored.last }),
  };
}

/** A launch record with only its own fields (the driver may add none, but a copy keeps callers apart). */
function launchOf(stored: LaunchRecord): LaunchRecord {
  return {
    state: stored.state,
    by: stored.by,
    at: stored.at,
    launcher: stored.launcher,
    ...(stored.attempt !== undefined && { attempt: stored.attempt }),
    ...(stored.ref !== undefined && { ref: stored.ref }),
    ...(stored.message !== undefined && { message: stored.message }),
  };
}

/** The stored form of a history entry. */
export function entryToStored(uuid: string, entry: HistoryEntry, extras: EntryExtras = {}): StoredEntry {
  const { detail, set, expected } = extras;
  return {
    _id: entry.id,
    job: uuid,
    version: entry.version,
    name: entry.name,
    date: entry.date,
    data: entry.data === null ? null : JSON.stringify(entry.data),
    source: entry.source,
    state: entry.state,
    ...(detail !== undefined && { detail: JSON.stringify(detail) }),
    ...(entry.seq !== undefined && { seq: entry.seq }),
    ...(entry.phase !== undefined && { phase: entry.phase }),
    ...(set !== undefined && { set }),
    ...(expected !== undefined && {
      expected: {
        state: expected.state,
        ...(expected.leaseUntil !== undefined && { leaseUntil: expected.leaseUntil }),
      },
    }),
  };
}

/**
 * The job an entry applies to: one version behind it, and as its writer expected it (entries
 * written before preconditions were stored carry none).
 */
export function entryPrecondition(entry: StoredEntry): Filter<StoredJob> {
  return {
    _id: entry.job,
    version: entry.version - 1,
    ...(entry.expected !== undefined && { state: entry.expected.state }),
    ...(entry.expected?.leaseUntil !== undefined && { 'heartbeat.until': entry.expected.leaseUntil }),
  };
}

/** Whether `job`, as read, meets {@link entryPrecondition} of `entry`. */
export function entryAppliesTo(entry: StoredEntry, job: StoredJob): boolean {
  return (
    job.version === entry.version - 1 &&
    (entry.expected === undefined || job.state === entry.expected.state) &&
    (entry.expected?.leaseUntil === undefined || job.heartbeat?.until === entry.expected.leaseUntil)
  );
}

/** The history entry of a stored entry. */
export function storedToEntry(doc: StoredEntry): HistoryEntry {
  return {
    id: doc._id,
    name: doc.name as HistoryEntry['name'],
    date: doc.date,
    data: doc.data === null ? null : (JSON.parse(doc.data) as Record<string, unknown>),
    source: doc.source,
    state: doc.state as JobState,
    version: doc.version,
    ...(doc.seq !== undefined && { seq: doc.seq }),
    ...(doc.phase !== undefined && { phase: doc.phase }),
  };
}

/**
 * The `$set` that moves a stored job to the state after `entry` (a note leaves `lastEvent`). The
 * heartbeat fields are set one by one (dotted paths) so that a concurrent beat's count stays.
 */
export function entryToJobUpdate(entry: StoredEntry): Partial<StoredJob> & Record<`heartbeat.${string}`, unknown> {
  const heartbeat = entry.set?.heartbeat;
  return {
    state: entry.state,
    version: entry.version,
    updated: entry.date,
    // A note leaves the last event as it was.
    ...(!isJobNoteName(entry.name) && { lastEvent: entry.name }),
    ...(entry.detail !== undefined && { detail: entry.detail }),
    ...(entry.seq !== undefined && { seq: entry.seq }),
    ...(entry.phase !== undefined && { phase: entry.phase }),
    ...(entry.set?.claim !== undefined && { claim: entry.set.claim }),
    ...(entry.set?.attempts !== undefined && { attempts: entry.set.attempts }),
    ...(entry.set?.retriesExhausted !== undefined && { retriesExhausted: entry.set.retriesExhausted }),
    ...(entry.set?.stale !== undefined && { stale: entry.set.stale }),
    ...(heartbeat?.until !== undefined && { 'heartbeat.until': heartbeat.until }),
    ...(heartbeat?.count !== undefined && { 'heartbeat.count': heartbeat.count }),
    ...(heartbeat?.last !== undefined && { 'heartbeat.last': heartbeat.last }),
  };
}
