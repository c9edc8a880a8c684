/** The twelve pipeline-job states (SD2E PipelineJobs' eleven plus CANCELLED). */
export const JOB_STATES = [
  'CREATED',
  'RUNNING',
  'FAILED',
  'FINISHED',
  'INDEXING',
  'VALIDATING',
  'VALIDATED',
  'REJECTED',
  'FINALIZED',
  'RETIRED',
  'RESET',
  'CANCELLED',
] as const;

/** A pipeline-job state. */
export type JobState = (typeof JOB_STATES)[number];

/** The sixteen events of the pipeline-job lifecycle. */
export const JOB_EVENTS = [
  'create',
  'run',
  'update',
  'resource',
  'fail',
  'finish',
  'index',
  'indexed',
  'validate',
  'validated',
  'reject',
  'finalize',
  'retire',
  'reset',
  'ready',
  'cancel',
] as const;

/** A pipeline-job event name. */
export type JobEventName = (typeof JOB_EVENTS)[number];

/** Events only an administrator may send. */
export const ADMIN_EVENTS: readonly JobEventName[] = ['reset', 'ready'];

/** The state every job starts in. */
export const INITIAL_STATE: JobState = 'CREATED';

/** True when `value` is one of {@link JOB_STATES}. */
export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}

/** True when `value` is one of {@link JOB_EVENTS}. */
export function isJobEventName(value: unknown): value is JobEventName {
  return typeof value === 'string' && (JOB_EVENTS as readonly string[]).includes(value);
}
