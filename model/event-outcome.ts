import type { ErrorCode } from '../errors/index.js';
import type { JobState } from '../fsm/index.js';
import type { TokenCheck } from '../ports/event-bus.js';
import type { HistoryEntry, JobDocument } from './job.js';

/** Why an event could not apply now but may later (its prerequisite has not arrived yet). */
export type DeferCode = 'unknown_job' | 'illegal_transition' | 'sequence_gap';

/** Why an attempt decided nothing and must be made again as it is. */
export type TransientCode = 'version_conflict' | 'store_unavailable';

/** Why a repeated create is answered without the job's token. */
export interface Withheld {
  readonly code: 'job_exists';
  readonly message: string;
}

/** The event moved the job: `entry` is now in its history. */
export interface Applied {
  readonly outcome: 'applied';
  readonly job: JobDocument;
  /** The state before the event; null for the `create` that made the job. */
  readonly from: JobState | null;
  readonly entry: HistoryEntry;
  /** The job's token, answered to whoever created it. */
  readonly token?: string;
}

/** The event had already been applied to this job; nothing changed. */
export interface Duplicate {
  readonly outcome: 'duplicate';
  readonly job: JobDocument;
  /** A repeated create carries the token for its creator… */
  readonly token?: string;
  /** …or, for anyone else, why it is withheld. */
  readonly withheld?: Withheld;
}

/** Not applicable now, but an event still to come may make it so: retry later. */
export interface Deferred {
  readonly outcome: 'deferred';
  readonly code: DeferCode;
  readonly message: string;
  /** What was known of the message's token, kept with it if the retries run out (set by the manager's decision). */
  readonly token?: TokenCheck;
}

/** Can never apply: the event is refused with a stable error code. */
export interface Rejected {
  readonly outcome: 'rejected';
  readonly code: ErrorCode;
  readonly message: string;
  /** What was known of the message's token when it was refused (set by the manager's decision). */
  readonly token?: TokenCheck;
}

/** Nothing was decided (a lost race, a store out of reach): the same event must be tried again. */
export interface Transient {
  readonly outcome: 'transient';
  readonly code: TransientCode;
  readonly message: string;
}

/**
 * The fate of one event, the same value from the store's conditional write through the manager's
 * decision to the answer its publisher gets (see {@link replyOf} in `protocol/outcome-reply.ts`).
 * Every refusal is a value of this union; only the truly unexpected is thrown.
 */
export type EventOutcome = Applied | Duplicate | Deferred | Rejected | Transient;

/** The refusal of an event id that was already applied to a different job. */
export function eventIdConflict(eventId: string, otherUuid: string): Rejected {
  return {
    outcome: 'rejected',
    code: 'event_id_conflict',
    message: `event id ${eventId} was already applied to job ${otherUuid}`,
  };
}

/** The deferral of an event for a job that does not exist (yet). */
export function unknownJob(uuid: string): Deferred {
  return { outcome: 'deferred', code: 'unknown_job', message: `no job with uuid ${uuid}` };
}

/** The job moved on since it was read: nothing was written; re-read and try again. */
export function versionConflict(uuid: string): Transient {
  return { outcome: 'transient', code: 'version_conflict', message: `job ${uuid} is no longer at the version read` };
}
