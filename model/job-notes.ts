/**
 * Job notes: history entries that do not move the state (docs/job-store.md#notes). A note is
 * written by `JobStore.apply` like any entry — same state, version + 1, conditional, idempotent
 * by id — and does not change the job's `lastEvent`. The machine in `fsm/` knows nothing of them.
 * Each note's meaning is written where it is decided:
 * - `claim`: a claimer took the job for a lease (`data`: `{by, until}`, and `expired: {by, until}`
 *   when it replaced a lease that ran out without the job starting);
 * - `release`: the holder gave the job back before its lease ended (`data`: `{by, until}`).
 */
export const JOB_NOTES = ['claim', 'release'] as const;

/** The name of a note. */
export type JobNoteName = (typeof JOB_NOTES)[number];

const NOTES: ReadonlySet<string> = new Set(JOB_NOTES);

/** Whether `name` names a note rather than a lifecycle event. */
export function isJobNoteName(name: unknown): name is JobNoteName {
  return typeof name === 'string' && NOTES.has(name);
}
