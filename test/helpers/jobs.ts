import { randomUUID } from 'node:crypto';
import type { JobEventName } from '../../fsm/index.js';
import { applyEvent } from '../../model/apply-event.js';
import type { EventOutcome } from '../../model/event-outcome.js';
import { buildNewJob } from '../../model/new-job.js';
import type { JobStore } from '../../ports/job-store.js';
import type { CreateRequest } from '../../schemas/types.js';
import type { JobDocument } from '../../model/job.js';

/** Creates a job in `store` and returns it. */
export async function createJob(
  store: JobStore,
  request: Partial<CreateRequest> = {},
  now = new Date(),
): Promise<JobDocument> {
  const full: CreateRequest = { pipeline: 'test-pipeline', data: { sample: randomUUID() }, ...request };
  const { job } = await store.create(buildNewJob(full, { now, source: 'test' }));
  return job;
}

/** Sends one event through the load → machine → conditional-write path. */
export async function send(
  store: JobStore,
  uuid: string,
  name: JobEventName,
  data: Record<string, unknown> | null = null,
  id: string = randomUUID(),
): Promise<EventOutcome> {
  return applyEvent(store, { id, uuid, name, data, source: 'test' }, { now: new Date() });
}
