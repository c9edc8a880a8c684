export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { PipelineJobsError, isPipelineJobsError, type ErrorDetails } from './pipeline-jobs-error.js';
export { busUnavailable } from './bus-unavailable.js';
export { DuplicateNonceError } from './duplicate-nonce-error.js';
export { errorMessage } from './error-message.js';
