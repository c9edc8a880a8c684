export {
  JOB_STATES,
  JOB_EVENTS,
  ADMIN_EVENTS,
  INITIAL_STATE,
  isJobState,
  isJobEventName,
  type JobState,
  type JobEventName,
} from './states.js';
export { pipelineJobMachine } from './pipeline-job-machine.js';
export { nextState, allowedEvents, acceptedLater, type TransitionResult } from './next-state.js';
export { describeMachine, toMermaid, type MachineDescription, type MachineTransition } from './describe-machine.js';
