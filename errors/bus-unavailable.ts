import { PipelineJobsError } from './pipeline-jobs-error.js';

/** A failure's message for `details`: the Error's own (and its cause's, where fetch hides the reason). */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return typeof cause === 'string' ? cause : (JSON.stringify(cause) ?? 'unknown');
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}

/**
 * The event bus (a broker, or the bridge in front of it) did not take an event: nothing, or after
 * a lost connection maybe nothing, was accepted. The same `bus_unavailable` error whether the
 * server's bus adapter or the client library meets it; `cause` is kept and described in `details`.
 */
export function busUnavailable(message: string, cause?: unknown): PipelineJobsError {
  const details = cause === undefined ? {} : { cause: describeCause(cause) };
  return new PipelineJobsError('bus_unavailable', message, details, cause === undefined ? undefined : { cause });
}
