/**
 * Job notes: history entries that do not move the state (CONTRACT: one concept for all of them).
 * A note is written by `JobStore.apply` like any entry, at the job's state, one version later; it
 * leaves `lastEvent` as it was. The machine in `fsm/` knows nothing of notes.
 */
export const JOB_NOTES = [
  /** A retry policy found a `fail` it would retry, but its budget is spent (docs/retries.md). */
  'retries_exhausted',
] as const;

/** The name of a job note. */
export type JobNoteName = (typeof JOB_NOTES)[number];

/** True when `name` is a job note's name (not a lifecycle event's). */
export function isJobNoteName(name: string): name is JobNoteName {
  return (JOB_NOTES as readonly string[]).includes(name);
}
