import type { HistoryEntry, JobState } from './job.js';

/** The IVOA UWS execution phases the Rubin OCPS API answers, lower case as Rubin's server writes them. */
export type UwsPhase = 'pending' | 'queued' | 'executing' | 'completed' | 'error' | 'aborted';

/**
 * The one mapping from the canonical state to a UWS phase. CREATED is `queued` (the job is
 * committed to run: a launchable pipeline's job is handed to its launcher on create); RESET is
 * `pending` (it runs again only once an admin makes it ready); every state after a successful run
 * (post-processing included, and RETIRED) is `completed`; FAILED and REJECTED are `error`.
 */
export const UWS_PHASE: Readonly<Record<JobState, UwsPhase>> = {
  CREATED: 'queued',
  RESET: 'pending',
  RUNNING: 'executing',
  FINISHED: 'completed',
  INDEXING: 'completed',
  VALIDATING: 'completed',
  VALIDATED: 'completed',
  FINALIZED: 'completed',
  RETIRED: 'completed',
  FAILED: 'error',
  REJECTED: 'error',
  CANCELLED: 'aborted',
};

/** The UWS phase of a canonical state. */
export function uwsPhaseOf(state: JobState): UwsPhase {
  return UWS_PHASE[state];
}

/** Phases in which a job has ended: its run will not start or go on. */
export const FINAL_PHASES: readonly UwsPhase[] = ['completed', 'error', 'aborted'];

/** The canonical states that map to any of `phases`, in the machine's order. */
export function statesOfPhases(phases: readonly UwsPhase[]): JobState[] {
  return (Object.keys(UWS_PHASE) as JobState[]).filter((state) => phases.includes(UWS_PHASE[state]));
}

/**
 * When the job entered the phase it is in now (the history entry from which on its phase has
 * not changed), as an ISO date; undefined for an empty history.
 */
export function phaseSince(history: readonly HistoryEntry[]): string | undefined {
  const last = history.at(-1);
  if (last === undefined) return undefined;
  const phase = uwsPhaseOf(last.state);
  let since = last.date;
  for (let i = history.length - 1; i >= 0; i -= 1) {
    const entry = history[i] as HistoryEntry;
    if (uwsPhaseOf(entry.state) !== phase) break;
    since = entry.date;
  }
  return since;
}
