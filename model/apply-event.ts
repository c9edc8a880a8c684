import { PipelineJobsError } from '../errors/index.js';
import { nextState, type JobEventName, type JobState } from '../fsm/index.js';
import type { JobStore } from '../ports/job-store.js';
import type { HistoryEntry, JobDocument } from '../schemas/types.js';

/** A validated event for an existing job, with its idempotency id already fixed. */
export interface JobEvent {
  readonly id: string;
  readonly uuid: string;
  readonly name: JobEventName;
  readonly data?: Record<string, unknown> | null;
  readonly detail?: Record<string, unknown>;
  readonly source: string;
}

/** How one event ended. A refusal is an outcome, not an exception. */
export type EventOutcome =
  | { readonly outcome: 'applied'; readonly from: JobState; readonly job: JobDocument; readonly entry: HistoryEntry }
  | { readonly outcome: 'duplicate'; readonly job: JobDocument }
  | {
      readonly outcome: 'rejected';
      readonly code: 'unknown_job' | 'illegal_transition';
      readonly message: string;
      readonly job?: JobDocument;
    };

/** Options of {@link applyEvent}. */
export interface ApplyEventOptions {
  readonly now: Date;
  /** Re-reads after a version conflict before giving up with `version_conflict` (default 100). */
  readonly maxAttempts?: number;
}

/**
 * Load → machine → conditional write, retried on a version conflict (another writer moved the
 * job in between). The one place the lifecycle rules meet the store.
 */
export async function applyEvent(store: JobStore, event: JobEvent, options: ApplyEventOptions): Promise<EventOutcome> {
  const maxAttempts = options.maxAttempts ?? 100;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const job = await store.get(event.uuid);
    if (job === undefined) return { outcome: 'rejected', code: 'unknown_job', message: `no job with uuid ${event.uuid}` };
    const step = nextState(job.state, event.name);
    if (!step.ok) {
      // A replay of an event applied earlier can be illegal by now (run after finish): it is a duplicate.
      const seen = await store.findEvent(event.id);
      if (seen?.uuid === event.uuid) return { outcome: 'duplicate', job };
      return { outcome: 'rejected', code: 'illegal_transition', message: step.message, job };
    }
    const entry: HistoryEntry = {
      id: event.id,
      name: event.name,
      date: options.now.toISOString(),
      data: event.data ?? null,
      source: event.source,
      state: step.to,
      version: job.version + 1,
    };
    const result = await store.apply({
      uuid: event.uuid,
      expected: { state: job.state, version: job.version },
      entry,
      ...(event.detail !== undefined && { detail: event.detail }),
    });
    switch (result.outcome) {
      case 'applied':
        return { outcome: 'applied', from: job.state, job: result.job, entry };
      case 'duplicate':
        return { outcome: 'duplicate', job: result.job };
      case 'not_found':
        return { outcome: 'rejected', code: 'unknown_job', message: `no job with uuid ${event.uuid}` };
      case 'conflict':
        continue;
    }
  }
  throw new PipelineJobsError('version_conflict', `job ${event.uuid} kept changing; gave up after ${maxAttempts} attempts`, {
    uuid: event.uuid,
    attempts: maxAttempts,
  });
}
