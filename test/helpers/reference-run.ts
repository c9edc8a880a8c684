import { decideEvent } from '../../actors/decide-event.js';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import type { JobTokens } from '../../model/job-tokens.js';
import { jobUuid } from '../../model/job-identity.js';
import type { StreamJob } from './event-stream.js';
import { snapshotJobs, type JobSnapshot } from './job-snapshot.js';

/** The in-order, once-only run of a stream, on a fresh in-memory store: what every other run must equal. */
export async function referenceRun(jobs: readonly StreamJob[], tokens: JobTokens): Promise<Map<string, JobSnapshot>> {
  const store = new SqliteJobStore({ path: ':memory:' });
  await store.init();
  for (const job of jobs) {
    for (const event of job.events) {
      const uuid = event.name === 'create' ? jobUuid(event.pipeline, event.data ?? {}) : event.uuid;
      const decision = await decideEvent(event, {
        store,
        tokens,
        requireToken: true,
        now: new Date(),
        uuid,
        eventId: event.id ?? '',
        source: 'amqp',
        publisher: 'bus',
      });
      if (decision.outcome !== 'applied')
        throw new Error(`reference run: ${event.name} on ${uuid} ended ${decision.outcome}`);
    }
  }
  const snapshot = await snapshotJobs(
    store,
    jobs.map((j) => j.uuid),
  );
  await store.close();
  return snapshot;
}
