import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { applyEvent } from '../../model/apply-event.js';
import type { HistoryEntry } from '../../model/job.js';
import type { JobStore } from '../../ports/job-store.js';
import { createJob } from '../helpers/jobs.js';

function entry(name: HistoryEntry['name'], state: HistoryEntry['state'], version: number): HistoryEntry {
  return {
    id: randomUUID(),
    name,
    date: new Date().toISOString(),
    data: { rule: 0 },
    source: 'policy:p',
    state,
    version,
  };
}

/**
 * The retry part of the JobStore contract (run by `jobStoreContract` on every adapter): a note keeps
 * the state and `lastEvent`, `set.attempts` and `set.retriesExhausted` ride in the entry's one
 * write, and a `reset` by hand clears the mark.
 */
export function jobStoreRetryContract(t: Test, withStore: (t: Test) => Promise<JobStore>): void {
  t.test('retry: set.attempts with a ready, a note keeps state and lastEvent and sets the mark', async (t) => {
    const store = await withStore(t);
    const job = await createJob(store, { pipeline: 'p' });
    const step = async (name: HistoryEntry['name'], state: HistoryEntry['state'], set?: object) => {
      const current = await store.get(job.uuid);
      if (current === undefined) throw new Error('job vanished');
      return store.apply({
        uuid: job.uuid,
        expected: { state: current.state, version: current.version },
        entry: entry(name, state, current.version + 1),
        ...(set !== undefined && { set }),
      });
    };
    t.equal(job.attempts, undefined, 'a new job has no attempts (= 1)');
    await step('fail', 'FAILED');
    await step('reset', 'RESET');
    t.match(await step('ready', 'CREATED', { attempts: 2 }), { outcome: 'applied', job: { attempts: 2 } });
    t.match(await store.get(job.uuid), { state: 'CREATED', attempts: 2, lastEvent: 'ready' });
    await step('fail', 'FAILED');
    const at = new Date().toISOString();
    t.match(await step('retries_exhausted', 'FAILED', { retriesExhausted: at }), {
      outcome: 'applied',
      job: { state: 'FAILED', lastEvent: 'fail', retriesExhausted: at, attempts: 2, version: 6 },
    });
    t.match(await store.get(job.uuid), { state: 'FAILED', lastEvent: 'fail', retriesExhausted: at, version: 6 });
    t.match((await store.history(job.uuid)).at(-1), { name: 'retries_exhausted', state: 'FAILED', version: 6 });
    t.match(
      await applyEvent(
        store,
        { id: randomUUID(), uuid: job.uuid, name: 'reset', source: 'admin' },
        { now: new Date() },
      ),
      { outcome: 'applied', job: { state: 'RESET' } },
    );
    t.notOk((await store.get(job.uuid))?.retriesExhausted, 'a reset by hand clears the mark');
    t.equal((await store.get(job.uuid))?.attempts, 2, 'and leaves the attempts');
  });
}
