import { acceptedLater, nextState, type JobEventName, type JobState } from '../fsm/index.js';
import type { JobStore } from '../ports/job-store.js';
import type { HistoryEntry, JobDocument } from './job.js';
import { unknownJob, type Deferred, type EventOutcome, type Rejected } from './event-outcome.js';

/** A validated event for an existing job, with its idempotency id already fixed. */
export interface JobEvent {
  readonly id: string;
  readonly uuid: string;
  readonly name: JobEventName;
  readonly data?: Record<string, unknown> | null;
  readonly detail?: Record<string, unknown>;
  readonly source: string;
  /** The publisher's per-job sequence number, when it sends one. */
  readonly seq?: number;
}

/** Options of {@link applyEvent}. */
export interface ApplyEventOptions {
  readonly now: Date;
  /** Checks the loaded job before anything else (the token's creator and life); a refusal ends the event. */
  readonly admit?: (job: JobDocument) => Rejected | undefined;
  /** Re-reads after a version conflict before giving up with a `transient` `version_conflict` (default 100). */
  readonly maxAttempts?: number;
}

/** What the job's current state says about the event, before any write. */
function precheck(job: JobDocument, event: JobEvent): Deferred | Rejected | { readonly to: JobState } {
  if (event.seq !== undefined) {
    const expected = (job.seq ?? 0) + 1;
    if (event.seq > expected) {
      return {
        outcome: 'deferred',
        code: 'sequence_gap',
        message: `job ${job.uuid} expects seq ${expected}, got ${event.seq}`,
      };
    }
    if (event.seq < expected) {
      return {
        outcome: 'rejected',
        code: 'stale_sequence',
        message: `job ${job.uuid} is past seq ${event.seq} (at ${expected - 1})`,
      };
    }
  }
  const step = nextState(job.state, event.name);
  if (step.ok) return { to: step.to };
  if (acceptedLater(job.state, event.name))
    return { outcome: 'deferred', code: 'illegal_transition', message: step.message };
  return { outcome: 'rejected', code: 'illegal_transition', message: step.message };
}

/**
 * Load → machine → conditional write, retried on a version conflict (another writer moved the
 * job in between). The one place the lifecycle rules meet the store. Every refusal is returned;
 * only a store failure throws.
 */
export async function applyEvent(store: JobStore, event: JobEvent, options: ApplyEventOptions): Promise<EventOutcome> {
  const maxAttempts = options.maxAttempts ?? 100;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const job = await store.get(event.uuid);
    if (job === undefined) return unknownJob(event.uuid);
    const refusal = options.admit?.(job);
    if (refusal !== undefined) return refusal;
    const check = precheck(job, event);
    if ('outcome' in check) {
      // A replay of an event applied earlier can be refused by now (run after finish): it is a duplicate.
      const seen = await store.findEvent(event.id);
      if (seen?.uuid === event.uuid) return { outcome: 'duplicate', job };
      return check;
    }
    const entry: HistoryEntry = {
      id: event.id,
      name: event.name,
      date: options.now.toISOString(),
      data: event.data ?? null,
      source: event.source,
      state: check.to,
      version: job.version + 1,
      ...(event.seq !== undefined && { seq: event.seq }),
    };
    const result = await store.apply({
      uuid: event.uuid,
      expected: { state: job.state, version: job.version },
      entry,
      ...(event.detail !== undefined && { detail: event.detail }),
    });
    if (result.outcome !== 'transient') return result;
  }
  return {
    outcome: 'transient',
    code: 'version_conflict',
    message: `job ${event.uuid} kept changing; gave up after ${maxAttempts} attempts`,
  };
}
