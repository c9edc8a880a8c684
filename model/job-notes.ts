/**
 * Job notes: history entries that do not move the state (retry verdicts, heartbeats, stale
 * marks). A note is written by `JobStore.apply` like any entry, at the job's state, one version
 * later; it leaves `lastEvent` as it was. The machine in `fsm/` knows nothing of notes.
 */
export const JOB_NOTES = [
  /** A retry policy found a `fail` it would retry, but its budget is spent (docs/retries.md). */
  'retries_exhausted',
  /** The first heartbeat of a job; later beats only count (docs/heartbeats.md). */
  'heartbeat',
  /** The job's lease expired with no word from it (docs/heartbeats.md). */
  'stale',
] as const;

/** The name of a job note. */
export type JobNoteName = (typeof JOB_NOTES)[number];

/** True when `name` is a job note's name (not a lifecycle event's). */
export function isJobNoteName(name: string): name is JobNoteName {
  return (JOB_NOTES as readonly string[]).includes(name);
}

/** The notes an event message may carry; the manager writes the others (`retries_exhausted`) itself. */
export const SENT_NOTES = ['heartbeat', 'stale'] as const satisfies readonly JobNoteName[];

/** A note an event message may carry. */
export type SentNoteName = (typeof SENT_NOTES)[number];

/** True when `name` is a note an event message may carry. */
export function isSentNoteName(name: string): name is SentNoteName {
  return (SENT_NOTES as readonly string[]).includes(name);
}
