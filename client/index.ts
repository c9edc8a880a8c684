/**
 * The pipelinejobs client library: a {@link PipelineJob} that a pipeline creates and moves
 * through its states (`setup`, `run`, `update`, `finish`, `fail`, `cancel`, admin `reset` and
 * `ready`), over the HTTP bridge ({@link HttpTransport}) or RabbitMQ ({@link AmqpTransport}).
 * It depends only on `protocol/`, `schemas/` types, `errors/`, amqplib and Node built-ins. See docs/client.md.
 *
 * @packageDocumentation
 */
export { AmqpTransport, type AmqpTransportOptions } from './amqp-transport.js';
export { HttpTransport, type HttpTransportOptions } from './http-transport.js';
export {
  JobChain,
  JobSteps,
  PipelineJob,
  type JobStep,
  type LoadOptions,
  type PipelineJobOptions,
} from './pipeline-job.js';
export type {
  ClaimedJob,
  ClaimJobsRequest,
  ClientEvent,
  ClientEventName,
  CreatedJob,
  CreateJobRequest,
  DescribeHint,
  EventVerdict,
  JobSnapshot,
  PipelineJobsTransport,
} from './transport.js';
export { VerdictTimeoutError, isVerdictTimeoutError } from './verdict-timeout-error.js';
/** A job's callback URLs and its Slurm tracking tag, as the bridge answers them on create. */
export { jobCallbacks, type CallbackTarget, type JobCallbacks } from '../protocol/callback-urls.js';
export { slurmTrackingComment } from '../protocol/slurm-tracking.js';
/** The error every refusal is thrown as; branch on its `code`. */
export {
  ERROR_CODES,
  PipelineJobsError,
  isPipelineJobsError,
  type ErrorCode,
  type ErrorDetails,
} from '../errors/index.js';
/** The machine's states and events, and free-form job data. */
export type { JobClaim, JobEventName, JobState, JsonObject } from '../model/job.js';
