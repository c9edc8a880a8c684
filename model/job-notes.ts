/**
 * Job notes: history entries that do not move the state (docs/job-store.md#notes). A note is
 * written by `JobStore.apply` like any entry — same state, version + 1, conditional, idempotent
 * by id — and does not change the job's `lastEvent`. The machine in `fsm/` knows nothing of them.
 */
export const JOB_NOTES = [
  /**
   * A claimer took the job for a lease (`data`: `{by, until}`, and `expired: {by, until}` when it
   * replaced a lease that ran out without the job starting).
   */
  'claim',
  /** The holder gave the job back before its lease ended (`data`: `{by, until}`). */
  'release',
  /** A retry policy found a `fail` it would retry, but its budget is spent (docs/retries.md). */
  'retries_exhausted',
  /** The first heartbeat of a job; later beats only count (docs/heartbeats.md). */
  'heartbeat',
  /** The job's lease expired with no word from it (docs/heartbeats.md). */
  'stale',
] as const;

/** The name of a job note. */
export type JobNoteName = (typeof JOB_NOTES)[number];

const NOTES: ReadonlySet<string> = new Set(JOB_NOTES);

/** True when `name` is a job note's name (not a lifecycle event's). */
export function isJobNoteName(name: unknown): name is JobNoteName {
  return typeof name === 'string' && NOTES.has(name);
}

/** The notes an event message may carry; the manager writes the others (claims, `retries_exhausted`) itself. */
export const SENT_NOTES = ['heartbeat', 'stale'] as const satisfies readonly JobNoteName[];

/** A note an event message may carry. */
export type SentNoteName = (typeof SENT_NOTES)[number];

/** True when `name` is a note an event message may carry. */
export function isSentNoteName(name: string): name is SentNoteName {
  return (SENT_NOTES as readonly string[]).includes(name);
}
