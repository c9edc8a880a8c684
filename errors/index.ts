export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { PipelineJobsError, isPipelineJobsError, type ErrorDetails } from './pipeline-jobs-error.js';
