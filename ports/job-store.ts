import type { JobState } from '../fsm/index.js';
import type { EventOutcome } from '../model/event-outcome.js';
import type { HistoryEntry, JobClaim, JobDocument, JobStale, LaunchRecord } from '../model/job.js';

/** A new job, fully built by the caller (see `model/new-job.ts`): the store only inserts it. */
export interface NewJobRecord {
  /** The job document at version 1, state CREATED. */
  readonly job: JobDocument;
  /** The `create` history entry (version 1) recorded with it. */
  readonly entry: HistoryEntry;
}

/** The answer to {@link JobStore.create}. */
export interface CreateResult {
  /** False when a job with the same uuid already existed: it is returned unchanged. */
  readonly created: boolean;
  readonly job: JobDocument;
}

/**
 * One conditional write: move job `uuid` from `expected` to `entry.state`/`entry.version`,
 * appending `entry` to its history in the same atomic step. A note (`model/job-notes.ts`) keeps
 * the state (`entry.state === expected.state`) and leaves the job's `lastEvent` as it was.
 */
export interface ApplyCommand {
  readonly uuid: string;
  /**
   * The state and version the caller read; the write happens only if the job is still there. With
   * `leaseUntil`, also only if the job's lease still ends then (a heartbeat renews it without a
   * version bump): a stale mark cannot land after a beat.
   */
  readonly expected: { readonly state: JobState; readonly version: number; readonly leaseUntil?: string };
  /** The new history entry; `entry.version` must be `expected.version + 1`, `entry.state` the next state. */
  readonly entry: HistoryEntry;
  /** Replaces the job's free-form `detail` when present. */
  readonly detail?: Record<string, unknown>;
  /**
   * Sets the job's `phase` when present, in the same write as the state; must equal `entry.phase`,
   * which records it in the history. The caller checked the move against the job pipeline's
   * vocabulary on the job it read at `expected`: the precondition makes check and move atomic.
   */
  readonly phase?: string;
  /** Job fields the entry changes, in the same atomic step (notes use it: `model/job-notes.ts`); absent ones stay. */
  readonly set?: ApplySet;
}

/** The job fields an {@link ApplyCommand} may set besides state, version, detail and phase. */
export interface ApplySet {
  /** The job's claim: a new holder and lease, or `null` to clear it (docs/claims.md). */
  readonly claim?: JobClaim | null;
  /** The job's new `attempts` (a retry policy's `ready`, docs/retries.md). */
  readonly attempts?: number;
  /** Sets (a time) or clears (null) the job's `retriesExhausted` mark. */
  readonly retriesExhausted?: string | null;
  /** The stale flag: set by a `stale` note, `null` clears it (the next event after a mark). */
  readonly stale?: JobStale | null;
  /** Fields of the job's heartbeat record to overwrite (the lease end on every event; count and last on a beat). */
  readonly heartbeat?: { readonly until?: string; readonly count?: number; readonly last?: string };
}

/** A heartbeat that renews a lease without a history entry: see {@link JobStore.beat}. */
export interface BeatCommand {
  readonly uuid: string;
  /** The job must still be in this state and at this version (and not flagged stale), or nothing is written. */
  readonly state: JobState;
  readonly version: number;
  /** The new lease end; absent when no timeout applies (the beat is only counted). */
  readonly until?: string;
  /** When the beat arrived. */
  readonly at: string;
}

/** Where a previously applied event id landed. */
export interface EventLocation {
  readonly uuid: string;
  readonly version: number;
  readonly name: HistoryEntry['name'];
}

/** Filters for {@link JobStore.list}; all optional, combined with AND. Dates are ISO-8601 strings. */
export interface ListQuery {
  readonly pipeline?: string;
  readonly state?: JobState | readonly JobState[];
  readonly owner?: string;
  readonly site?: string;
  /** The job with this ulid (at most one: a ulid names one job). */
  readonly ulid?: string;
  /** Jobs whose phase is exactly this (case-sensitive). */
  readonly phase?: string;
  /** true: only jobs flagged stale; false: only jobs that are not. */
  readonly stale?: boolean;
  /** Only jobs not flagged stale whose lease ended at or before this time (what a reaper looks for). */
  readonly leaseExpiredBy?: string;
  readonly createdSince?: string;
  readonly createdUntil?: string;
  readonly updatedSince?: string;
  readonly updatedUntil?: string;
  /** Page size, 1..1000 (default 100). */
  readonly limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
  /** `desc` (default): newest first by creation order; `asc`: oldest first. */
  readonly order?: 'asc' | 'desc';
}

/** One page of {@link JobStore.list}. */
export interface JobPage {
  readonly jobs: JobDocument[];
  /** Present when more jobs match; pass it back as `cursor`. */
  readonly nextCursor?: string;
}

/** What {@link JobStore.claimable} looks for: jobs a claimer of a site queue could take now. */
export interface ClaimableQuery {
  readonly site: string;
  readonly queue: string;
  /** Leases that end at or before this instant are over. */
  readonly now: Date;
  /** At most this many jobs, first come first served (see {@link JobStore.claimable}). */
  readonly limit: number;
}

/** Options for {@link JobStore.history}. */
export interface HistoryQuery {
  /** Only entries with a greater version. */
  readonly afterVersion?: number;
  /** At most this many entries (default: all). */
  readonly limit?: number;
}

/**
 * The launch record {@link JobStore.markLaunch} expects to find: `null` for none yet, else the
 * record's state, writer and time (which together name one write).
 */
export type LaunchExpectation = Pick<LaunchRecord, 'state' | 'by' | 'at'> | null;

/**
 * The job store: the only place job state lives. Every adapter passes
 * `test/contract/job-store.contract.ts`. No driver type crosses this interface.
 *
 * Semantics every adapter guarantees:
 * - `create` is idempotent by job uuid;
 * - `apply` is atomic (the history entry and the state move commit together or not at all),
 *   conditional (on expected state and version) and idempotent by entry id;
 * - history is append-only and ordered by version, with no gaps and no doubles;
 * - of concurrent `markLaunch` calls with the same expectation, exactly one succeeds;
 * - user data (`data`, `detail`) round-trips unchanged, whatever its keys (`$where`, `a.b`, `__proto__`).
 */
export interface JobStore {
  /** Creates tables/collections and indexes. Idempotent; call once at start. */
  init(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
  /** Inserts the job unless one with the same uuid exists. */
  create(record: NewJobRecord): Promise<CreateResult>;
  /**
   * The conditional, idempotent write described in {@link ApplyCommand}. Its outcome is a value:
   * `applied` (from `expected.state`, with `entry`); `duplicate` when this job already has an
   * entry with this id; `rejected` `event_id_conflict` when another job has; `deferred`
   * `unknown_job` when no job has this uuid; `transient` `version_conflict` when the job is no
   * longer at `expected` (nothing changed: re-read and retry). Only a store failure throws.
   */
  apply(command: ApplyCommand): Promise<EventOutcome>;
  /** The job without its history, or undefined. */
  get(uuid: string): Promise<JobDocument | undefined>;
  /** Where an event id was applied, or undefined if never. */
  findEvent(eventId: string): Promise<EventLocation | undefined>;
  /** The job's history, oldest first. */
  history(uuid: string, query?: HistoryQuery): Promise<HistoryEntry[]>;
  /** Jobs matching `query`, one page at a time. */
  list(query?: ListQuery): Promise<JobPage>;
  /**
   * The jobs of a site queue that are CREATED and whose claim is absent or over at `now`, first
   * come first served: those nobody holds (never claimed, or released) by creation order, then
   * those whose lease ran out by when it ran out — so a job that came back never waits behind jobs
   * that came back after it. Candidates only: a claim is taken by `apply` of a `claim` note
   * conditional on the version read here, so of concurrent claimers of one job exactly one wins.
   * Indexed on (site, queue, state, lease end, creation order).
   */
  claimable(query: ClaimableQuery): Promise<JobDocument[]>;
  /**
   * Replaces the job's launch record with `record` only if the current one matches `expected`
   * (state, by and at; `null`: the job has none). One atomic conditional write: of concurrent
   * callers with the same expectation exactly one gets true. False when the record differs or the
   * job does not exist. It changes neither the state, the version nor the history.
   */
  markLaunch(uuid: string, expected: LaunchExpectation, record: LaunchRecord): Promise<boolean>;
  /**
   * Records one heartbeat: `heartbeat.count` + 1, `heartbeat.last` = `at`, `heartbeat.until` =
   * `until` when given — one update of those fields only, if the job is still at `command.state`
   * and `command.version` and not flagged stale. It changes neither the state, the version nor
   * the history. The job after it, or undefined when the condition failed (read again).
   */
  beat(command: BeatCommand): Promise<JobDocument | undefined>;
}
