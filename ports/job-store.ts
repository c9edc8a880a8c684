import type { JobEventName, JobState } from '../fsm/index.js';
import type { EventOutcome } from '../model/event-outcome.js';
import type { HistoryEntry, JobDocument, LaunchRecord } from '../model/job.js';

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
 * appending `entry` to its history in the same atomic step.
 */
export interface ApplyCommand {
  readonly uuid: string;
  /** The state and version the caller read; the write happens only if the job is still there. */
  readonly expected: { readonly state: JobState; readonly version: number };
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
}

/** Where a previously applied event id landed. */
export interface EventLocation {
  readonly uuid: string;
  readonly version: number;
  readonly name: JobEventName;
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

/** A request to claim one job. */
export interface ClaimRequest {
  /** Who claims (a site, a worker id). */
  readonly by: string;
  /** How long the claim holds before another claimer may take the job. */
  readonly leaseMs: number;
  /** The claimer's clock. */
  readonly now: Date;
  readonly pipeline?: string;
  readonly site?: string;
  /** Only jobs in one of these states (default: CREATED). */
  readonly states?: readonly JobState[];
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
 * - of concurrent `claim` calls, exactly one wins a given job until its lease expires;
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
  /** Atomically claims the oldest matching unclaimed (or lease-expired) job; undefined if none. */
  claim(request: ClaimRequest): Promise<JobDocument | undefined>;
  /** Ends `by`'s claim on a job early; false if `by` does not hold it. */
  release(uuid: string, by: string): Promise<boolean>;
  /**
   * Replaces the job's launch record with `record` only if the current one matches `expected`
   * (state, by and at; `null`: the job has none). One atomic conditional write: of concurrent
   * callers with the same expectation exactly one gets true. False when the record differs or the
   * job does not exist. It changes neither the state, the version nor the history.
   */
  markLaunch(uuid: string, expected: LaunchExpectation, record: LaunchRecord): Promise<boolean>;
}
