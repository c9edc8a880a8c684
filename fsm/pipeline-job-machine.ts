import { createMachine } from 'xstate';
import { INITIAL_STATE, JOB_STATES, type JobEventName, type JobState } from './states.js';

/** `to: null` means the event keeps the job in the state it is in. */
interface EventRule {
  readonly from: readonly JobState[];
  readonly to: JobState | null;
}

const ALL_BUT_CANCELLED = JOB_STATES.filter((s) => s !== 'CANCELLED');

/**
 * The lifecycle rules, written the way architecture.md states them (event → sources → target)
 * so a reader can compare the two line by line. The XState machine below is built from it.
 */
const RULES: Readonly<Record<JobEventName, EventRule>> = {
  create: { from: ['CREATED'], to: 'CREATED' },
  run: { from: ['CREATED', 'RUNNING'], to: 'RUNNING' },
  update: { from: ['CREATED', 'RUNNING', 'VALIDATING', 'INDEXING'], to: null },
  resource: { from: ['CREATED', 'RUNNING'], to: null },
  fail: { from: ['CREATED', 'RUNNING', 'VALIDATING', 'INDEXING'], to: 'FAILED' },
  finish: { from: ['RUNNING', 'FINISHED'], to: 'FINISHED' },
  index: { from: ['FINISHED', 'INDEXING'], to: 'INDEXING' },
  indexed: { from: ['FINISHED', 'INDEXING'], to: 'FINISHED' },
  validate: { from: ['FINISHED', 'VALIDATED'], to: 'VALIDATING' },
  validated: { from: ['VALIDATING', 'VALIDATED'], to: 'VALIDATED' },
  reject: { from: ['VALIDATING'], to: 'REJECTED' },
  finalize: { from: ['VALIDATED'], to: 'FINALIZED' },
  retire: { from: ['FAILED', 'FINALIZED', 'FINISHED', 'REJECTED', 'VALIDATING', 'VALIDATED'], to: 'RETIRED' },
  reset: { from: ALL_BUT_CANCELLED, to: 'RESET' },
  ready: { from: ['RESET'], to: 'CREATED' },
  cancel: { from: ['CREATED', 'RESET'], to: 'CANCELLED' },
};

type StateConfig = { on: Record<string, { target?: string }> };

function buildStates(): Record<JobState, StateConfig> {
  const states = Object.fromEntries(JOB_STATES.map((s) => [s, { on: {} }])) as Record<JobState, StateConfig>;
  for (const [event, rule] of Object.entries(RULES)) {
    for (const source of rule.from) {
      states[source].on[event] = rule.to === null ? {} : { target: rule.to };
    }
  }
  return states;
}

/**
 * The pipeline-job state machine. It has no context, actions or guards: it is used as a pure
 * function of (state, event) and never interpreted as a running actor.
 */
export const pipelineJobMachine = createMachine({
  id: 'pipelineJob',
  initial: INITIAL_STATE,
  states: buildStates(),
});
