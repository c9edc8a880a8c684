import { v5 as uuidv5 } from 'uuid';
import { JOB_STATES, type JobState } from '../../fsm/index.js';
import { PIPELINEJOBS_NAMESPACE } from '../../model/job-identity.js';
import type { JobStore } from '../../ports/job-store.js';
import { toListQuery, type ListFilters } from './list-filters.js';
import { actionAllowed, type UiAction } from './ui-actions.js';

/** Most jobs one bulk action changes: a larger selection is refused, to be narrowed by its filters. */
export const BULK_MAX = 10_000;

/** The jobs a bulk action would change: those matching the filters in a state that allows the action. */
export interface BulkTargets {
  /** The states the action reaches: the filter's states (all if none) that allow it. */
  readonly states: readonly JobState[];
  /** Their uuids, newest first, at most {@link BULK_MAX}. */
  readonly uuids: readonly string[];
  /** True when more than {@link BULK_MAX} jobs match. */
  readonly tooMany: boolean;
}

/** The states where the dashboard offers `action`, among `within` (every state when empty). */
function statesAllowing(action: UiAction, within: readonly JobState[]): JobState[] {
  const candidates = within.length === 0 ? JOB_STATES : within;
  return candidates.filter((state) => actionAllowed(action, state));
}

/**
 * Lists what a bulk `action` on the jobs matching `filters` would change, paging through the store
 * (the same filters as the list page, with the state filter narrowed to the states that allow it).
 */
export async function bulkTargets(
  store: JobStore,
  filters: ListFilters,
  action: UiAction,
  now: Date,
): Promise<BulkTargets> {
  const states = statesAllowing(action, filters.states);
  if (states.length === 0) return { states, uuids: [], tooMany: false };
  const uuids: string[] = [];
  let query = { ...toListQuery({ ...filters, cursor: undefined }, now), state: states, limit: 1000 };
  for (;;) {
    const page = await store.list(query);
    uuids.push(...page.jobs.map((job) => job.uuid));
    if (uuids.length > BULK_MAX) return { states, uuids: uuids.slice(0, BULK_MAX), tooMany: true };
    if (page.nextCursor === undefined) return { states, uuids, tooMany: false };
    query = { ...query, cursor: page.nextCursor };
  }
}

/**
 * The event id of a bulk action's event for one job: derived from the batch (made when the
 * confirmation was shown), the job and the event's place in the action (a retry sends two), so a
 * confirmation sent twice applies each event once.
 */
export function bulkEventId(batch: string, uuid: string, step = 0): string {
  return uuidv5(`ui-bulk\n${batch}\n${uuid}${step === 0 ? '' : `\n${step}`}`, PIPELINEJOBS_NAMESPACE);
}
