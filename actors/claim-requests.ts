import { claimNote, releaseNote } from '../model/claim-note.js';
import type { Applied, EventOutcome, Rejected } from '../model/event-outcome.js';
import type { JobDocument } from '../model/job.js';
import type { JobTokens } from '../model/job-tokens.js';
import type { ClaimedJob } from '../protocol/claim-message.js';
import type { JobStore } from '../ports/job-store.js';
import type { ClaimJobsMessage, ReleaseJobMessage } from '../schemas/types.js';

/** Re-reads of the candidates before a claim answers with what it has (others keep taking the same jobs). */
const MAX_ROUNDS = 20;

/** The `source` recorded on claim and release notes. */
export const CLAIM_SOURCE = 'claim';

/**
 * What a claim has taken so far: the notes applied (one per job) and the jobs to answer. The
 * manager keeps one across the attempts of a request, so jobs taken before a store failure are
 * still answered after the retry instead of staying held by nobody until their lease ends.
 */
export interface ClaimResult {
  readonly applied: Applied[];
  readonly jobs: JobDocument[];
}

/**
 * Takes up to `message.max` of the oldest claimable jobs of the site queue: reads as many
 * candidates as are still wanted, then writes a claim note on each, conditional on the version
 * read. A lost race (another manager's claim, or any event, moved the job first) skips the job;
 * the candidates are read again until enough are taken, none is left, or the requester's
 * `answerBy` has passed (a request nobody waits for takes nothing more). A store failure throws;
 * `taken` then holds what was taken before it, for the next attempt to go on from.
 */
export async function claimJobs(
  store: JobStore,
  message: ClaimJobsMessage,
  now: Date,
  taken: ClaimResult = { applied: [], jobs: [] },
): Promise<ClaimResult> {
  const { applied, jobs } = taken;
  const terms = {
    requestId: message.id,
    by: message.by,
    now,
    leaseMs: message.leaseMs,
    source: CLAIM_SOURCE,
    ...(message.phase !== undefined && { phase: message.phase }),
  };
  const answerBy = message.answerBy === undefined ? undefined : Date.parse(message.answerBy);
  for (let round = 0; jobs.length < message.max && round < MAX_ROUNDS; round++) {
    // Nobody waits for the answer any more: jobs taken now would stay held by nobody until their lease ends.
    if (answerBy !== undefined && Date.now() > answerBy) break;
    const wanted = message.max - jobs.length;
    const candidates = await store.claimable({ site: message.site, queue: message.queue, now, limit: wanted });
    if (candidates.length === 0) break;
    // Different jobs: their notes are written concurrently (one group commit on SQLite).
    const outcomes = await Promise.all(candidates.map((candidate) => store.apply(claimNote(candidate, terms))));
    for (const outcome of outcomes) {
      if (outcome.outcome === 'applied') {
        applied.push(outcome);
        jobs.push(outcome.job);
      } else if (outcome.outcome === 'duplicate' && outcome.job.claim?.by === message.by) {
        jobs.push(outcome.job);
      }
    }
  }
  return { applied, jobs };
}

/** A claimed job as the claimer gets it, with its token. */
export function claimedJob(job: JobDocument, tokens: JobTokens): ClaimedJob {
  if (job.claim === undefined || job.site === undefined || job.queue === undefined)
    throw new Error(`job ${job.uuid} was answered as claimed without a claim, site or queue`);
  return {
    uuid: job.uuid,
    ulid: job.ulid,
    pipeline: job.pipeline,
    site: job.site,
    queue: job.queue,
    state: job.state,
    version: job.version,
    data: job.data,
    created: job.created,
    claim: job.claim,
    token: tokens.forJob(job.uuid, job.creator ?? ''),
    ...(job.phase !== undefined && { phase: job.phase }),
    ...(job.detail !== undefined && { detail: job.detail }),
    ...(job.owner !== undefined && { owner: job.owner }),
  };
}

function refused(code: Rejected['code'], message: string): Rejected {
  return { outcome: 'rejected', code, message, token: 'unchecked' };
}

/**
 * Gives a job back before its lease ends: a release note that clears the claim, written only
 * while `message.by` holds a live lease on it (and, when the message names a site, only for a
 * job of that site). Re-read and retried when the job moves in between.
 */
export async function releaseJob(store: JobStore, message: ReleaseJobMessage, now: Date): Promise<EventOutcome> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const job = await store.get(message.uuid);
    if (job === undefined) return refused('unknown_job', `no job with uuid ${message.uuid}`);
    if (message.site !== undefined && job.site !== message.site)
      return refused('site_forbidden', `job ${job.uuid} is not a job of site ${message.site}`);
    const note = releaseNote(job, { requestId: message.id, by: message.by, now, source: CLAIM_SOURCE });
    // A job that left CREATED has no claim: its run (or other move) ended the lease.
    if (job.claim?.by !== message.by || job.claim.until <= now.toISOString()) {
      const seen = await store.findEvent(note.entry.id);
      if (seen?.uuid === job.uuid) return { outcome: 'duplicate', job };
      return refused('claim_not_held', `${message.by} holds no live claim on job ${job.uuid}`);
    }
    const outcome = await store.apply(note);
    if (outcome.outcome !== 'transient') return outcome;
  }
  return { outcome: 'transient', code: 'version_conflict', message: `job ${message.uuid} kept changing` };
}
