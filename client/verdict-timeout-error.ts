import { PipelineJobsError } from '../errors/index.js';

/**
 * The event reached the tracker (the bus confirmed it, or the bridge answered `202 pending`), or
 * may have (an HTTP request cut off by the deadline), but no verdict came within the client's
 * `timeoutMs`. It is not a refusal: the manager may still
 * apply the event (it waits, for instance, for a predecessor sent by someone else), or dead-letter
 * it when its retries run out. Read the job again (`PipelineJob.refresh()`) to learn which.
 *
 * A `PipelineJobsError` with code `verdict_timeout`, like every other client failure.
 */
export class VerdictTimeoutError extends PipelineJobsError {
  override readonly name = 'VerdictTimeoutError';
  /** The job the event was for (undefined for a create whose uuid the client never learnt). */
  readonly uuid: string | undefined;
  /** The event's name (`create`, `run` …). */
  readonly event: string;
  /** The event's idempotency id, the `id` of its history entry once applied; empty for an HTTP create cut off before any answer. */
  readonly eventId: string;

  constructor(
    message: string,
    context: { readonly uuid?: string | undefined; readonly event: string; readonly eventId: string },
    options?: { cause?: unknown },
  ) {
    super(
      'verdict_timeout',
      message,
      { ...(context.uuid !== undefined && { uuid: context.uuid }), event: context.event, eventId: context.eventId },
      options,
    );
    this.uuid = context.uuid;
    this.event = context.event;
    this.eventId = context.eventId;
  }
}

/** True when `err` is a {@link VerdictTimeoutError}. */
export function isVerdictTimeoutError(err: unknown): err is VerdictTimeoutError {
  return err instanceof VerdictTimeoutError;
}
