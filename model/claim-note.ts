import { v5 as uuidv5 } from 'uuid';
import type { ApplyCommand } from '../ports/job-store.js';
import type { HistoryEntry, JobDocument } from './job.js';
import { PIPELINEJOBS_NAMESPACE } from './job-identity.js';
import type { JobNoteName } from './job-notes.js';

/** Who takes or gives back a job, when, and under which request. */
export interface ClaimTerms {
  /** The claim (or release) request's id: each note's id derives from it and the job. */
  readonly requestId: string;
  readonly by: string;
  readonly now: Date;
  /** Recorded as the note's `source`. */
  readonly source: string;
}

function note(job: JobDocument, name: JobNoteName, terms: ClaimTerms, data: Record<string, unknown>): HistoryEntry {
  return {
    id: uuidv5(`${name}\n${terms.requestId}\n${job.uuid}`, PIPELINEJOBS_NAMESPACE),
    name,
    date: terms.now.toISOString(),
    data,
    source: terms.source,
    state: job.state,
    version: job.version + 1,
  };
}

/**
 * The conditional write that gives `job` (as read) to `terms.by` for `leaseMs`: a `claim` note
 * that sets the job's claim in the same write. When it replaces a lease that ran out without the
 * job starting, the note says so (`data.expired`: the old holder and lease end). With a `phase`,
 * the job takes it in the same write (Photon Ranch's UNREAD → RECEIVED).
 */
export function claimNote(
  job: JobDocument,
  terms: ClaimTerms & { readonly leaseMs: number; readonly phase?: string },
): ApplyCommand {
  const until = new Date(terms.now.getTime() + terms.leaseMs).toISOString();
  const expired = job.claim === undefined ? undefined : { by: job.claim.by, until: job.claim.until };
  const entry = note(job, 'claim', terms, { by: terms.by, until, ...(expired !== undefined && { expired }) });
  return {
    uuid: job.uuid,
    expected: { state: job.state, version: job.version },
    entry: terms.phase === undefined ? entry : { ...entry, phase: terms.phase },
    set: { claim: { by: terms.by, until } },
    ...(terms.phase !== undefined && { phase: terms.phase }),
  };
}

/** The conditional write by which the holder of `job`'s claim gives it back early: a `release` note that clears it. */
export function releaseNote(job: JobDocument, terms: ClaimTerms): ApplyCommand {
  return {
    uuid: job.uuid,
    expected: { state: job.state, version: job.version },
    entry: note(job, 'release', terms, { by: terms.by, ...(job.claim !== undefined && { until: job.claim.until }) }),
    set: { claim: null },
  };
}
