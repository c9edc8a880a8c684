/**
 * Job notes: history entries that do not move the state (CONTRACT: claims, heartbeats, stale
 * marks). They are written by `JobStore.apply` like any entry, with the job's own state, and leave
 * `lastEvent` as it was. The machine in `fsm/` knows nothing of them.
 */
export const JOB_NOTES = ['heartbeat', 'stale'] as const;

/** The name of a job note. */
export type JobNoteName = (typeof JOB_NOTES)[number];

/** Whether `name` names a job note rather than a lifecycle event. */
export function isJobNoteName(name: string): name is JobNoteName {
  return (JOB_NOTES as readonly string[]).includes(name);
}
