import type { Test } from 'tap';
import type { LaunchRecord } from '../../model/job.js';
import type { JobStore } from '../../ports/job-store.js';
import { createJob, send } from '../helpers/jobs.js';

function record(by: string, state: LaunchRecord['state'] = 'intent', extra: Partial<LaunchRecord> = {}): LaunchRecord {
  return { state, by, at: new Date().toISOString(), launcher: 'local', ...extra };
}

/** The `markLaunch` part of the JobStore contract (called by `jobStoreContract`). */
export function launchContract(t: Test, withStore: (t: Test) => Promise<JobStore>): void {
  t.test(
    'markLaunch: of 10 concurrent first claims exactly one wins, and the job is otherwise untouched',
    async (t) => {
      const store = await withStore(t);
      const job = await createJob(store);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.markLaunch(job.uuid, null, record(`d${i}`))),
      );
      t.equal(results.filter(Boolean).length, 1, 'one winner');
      const after = await store.get(job.uuid);
      const winner = results.indexOf(true);
      t.match(after, {
        state: 'CREATED',
        version: 1,
        launch: { state: 'intent', by: `d${winner}`, launcher: 'local' },
      });
      t.equal((await store.history(job.uuid)).length, 1, 'no history entry');
      t.equal(await store.markLaunch(crypto.randomUUID(), null, record('x')), false, 'unknown job');
    },
  );

  t.test('markLaunch: 5 dispatchers racing over 20 jobs claim each job exactly once', async (t) => {
    const store = await withStore(t);
    const jobs = await Promise.all(Array.from({ length: 20 }, () => createJob(store)));
    const wins = await Promise.all(
      jobs.flatMap((job) =>
        ['a', 'b', 'c', 'd', 'e'].map(async (by) => ((await store.markLaunch(job.uuid, null, record(by))) ? 1 : 0)),
      ),
    );
    t.equal(
      wins.reduce<number>((sum, w) => sum + w, 0),
      20,
      'one winner per job',
    );
    for (const job of jobs) t.equal((await store.get(job.uuid))?.launch?.state, 'intent');
  });

  t.test('markLaunch moves on only from the exact record expected; events keep the record', async (t) => {
    const store = await withStore(t);
    const job = await createJob(store);
    const intent = record('d1');
    t.equal(await store.markLaunch(job.uuid, null, intent), true);
    t.equal(await store.markLaunch(job.uuid, null, record('d2')), false, 'a record exists');
    t.equal(
      await store.markLaunch(job.uuid, { ...intent, by: 'd2' }, record('d2', 'launched')),
      false,
      'another writer',
    );
    t.equal(
      await store.markLaunch(job.uuid, { ...intent, at: '2000-01-01T00:00:00.000Z' }, record('d1', 'launched')),
      false,
      'another write',
    );
    const takers = await Promise.all(
      ['d3', 'd4', 'd5'].map((by) => store.markLaunch(job.uuid, intent, record(by, 'intent'))),
    );
    t.equal(takers.filter(Boolean).length, 1, 'one of the reconcilers takes over an old intent');
    const taken = (await store.get(job.uuid))?.launch as LaunchRecord;
    const launched = record(taken.by, 'launched', { ref: '4242', message: 'ok' });
    t.equal(await store.markLaunch(job.uuid, taken, launched), true);
    await send(store, job.uuid, 'run');
    t.same((await store.get(job.uuid))?.launch, launched, 'the record survives an applied event');
    const listed = (await store.list({ state: 'RUNNING' })).jobs.find((j) => j.uuid === job.uuid);
    t.same(listed?.launch, launched, 'and is listed');
  });
}
