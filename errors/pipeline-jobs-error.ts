import type { ErrorCode } from './error-codes.js';

/** Structured, JSON-safe context attached to an error (field names, limits, states). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * The one base class for every error the product raises on purpose.
 * Callers branch on `code` (stable, documented), never on the class or the message.
 */
export class PipelineJobsError extends Error {
  override readonly name: string = 'PipelineJobsError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** The wire form used by HTTP bodies and dead-letter records. */
  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `err` is a {@link PipelineJobsError}, optionally with the given code. */
export function isPipelineJobsError(err: unknown, code?: ErrorCode): err is PipelineJobsError {
  return err instanceof PipelineJobsError && (code === undefined || err.code === code);
}
