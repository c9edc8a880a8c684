import { transition } from 'xstate';
import { pipelineJobMachine } from './pipeline-job-machine.js';
import { ADMIN_EVENTS, JOB_EVENTS, JOB_STATES, type JobEventName, type JobState } from './states.js';

/** The machine's answer to one event in one state. */
export type TransitionResult =
  | { readonly ok: true; readonly from: JobState; readonly to: JobState }
  | { readonly ok: false; readonly from: JobState; readonly reason: 'illegal_transition'; readonly message: string };

type Table = ReadonlyMap<JobState, ReadonlyMap<JobEventName, JobState>>;

/**
 * Asks XState once for every (state, event) pair and keeps the answers, so the hot path is a
 * map lookup instead of a snapshot resolution per event.
 */
function computeTable(): Table {
  const table = new Map<JobState, Map<JobEventName, JobState>>();
  for (const state of JOB_STATES) {
    const row = new Map<JobEventName, JobState>();
    const snapshot = pipelineJobMachine.resolveState({ value: state, context: {} });
    for (const event of JOB_EVENTS) {
      // can() is false for targetless self-loops (update, resource); enabled transitions are what count.
      if (pipelineJobMachine.getTransitionData(snapshot, { type: event }).length === 0) continue;
      const [next] = transition(pipelineJobMachine, snapshot, { type: event });
      row.set(event, next.value as JobState);
    }
    table.set(state, row);
  }
  return table;
}

const TABLE = computeTable();

/**
 * The machine as a pure function: the state a job in `state` moves to on `event`, or a refusal
 * with a reason. Never throws for a known state and event.
 */
export function nextState(state: JobState, event: JobEventName): TransitionResult {
  const to = TABLE.get(state)?.get(event);
  if (to === undefined) {
    return {
      ok: false,
      from: state,
      reason: 'illegal_transition',
      message: `event "${event}" is not allowed in state ${state}`,
    };
  }
  return { ok: true, from: state, to };
}

/** The events the machine accepts in `state`, in {@link JOB_EVENTS} order. */
export function allowedEvents(state: JobState): JobEventName[] {
  const row = TABLE.get(state);
  return JOB_EVENTS.filter((e) => row?.has(e) === true);
}

/**
 * True when `event`, refused in `state` now, would be accepted after some ordinary (non-admin)
 * events: `finish` in CREATED (after `run`), but not `run` in FINISHED or `cancel` in RUNNING.
 * An event that arrives early is worth retrying; one that can never apply is not.
 */
export function acceptedLater(state: JobState, event: JobEventName): boolean {
  const seen = new Set<JobState>([state]);
  const frontier: JobState[] = [state];
  for (let current = frontier.pop(); current !== undefined; current = frontier.pop()) {
    for (const [e, to] of TABLE.get(current) ?? []) {
      if (ADMIN_EVENTS.includes(e) || seen.has(to)) continue;
      if (TABLE.get(to)?.has(event) === true) return true;
      seen.add(to);
      frontier.push(to);
    }
  }
  return false;
}
