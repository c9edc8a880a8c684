import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { applyEvent } from '../../model/apply-event.js';
import { staleMarkId } from '../../model/heartbeat.js';
import { buildNewJob } from '../../model/new-job.js';
import type { JobStore } from '../../ports/job-store.js';

const MINUTE = 60_000;

/** Applies a named event or note at `now`, with a pipeline heartbeat timeout of one minute. */
function apply(
  store: JobStore,
  uuid: string,
  name: string,
  now: Date,
  data: Record<string, unknown> | null = null,
  id: string = randomUUID(),
) {
  return applyEvent(store, { id, uuid, name: name as never, data, source: 'test' }, { now, heartbeatOf: () => MINUTE });
}

async function runningJob(store: JobStore, t0: Date): Promise<string> {
  const { job } = await store.create(
    buildNewJob(
      { pipeline: 'hb', data: { k: randomUUID() } },
      { now: t0, source: 'test', pipelineHeartbeatMs: MINUTE },
    ),
  );
  await apply(store, job.uuid, 'run', t0);
  return job.uuid;
}

/**
 * The heartbeat part of the JobStore contract (docs/heartbeats.md), run on every adapter: the
 * lease rides in the event's write, a beat counts without an entry or a version, a stale mark
 * is a note conditional on the lease it names, the next event clears it, and `list` finds
 * stale and lease-expired jobs.
 */
export function jobStoreHeartbeatContract(t: Test, withStore: (t: Test) => Promise<JobStore>): void {
  t.test('heartbeat: every event renews the lease in its own write', async (t) => {
    const store = await withStore(t);
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const uuid = await runningJob(store, t0);
    t.equal((await store.get(uuid))?.heartbeat?.until, '2026-03-01T10:01:00.000Z', 'create and run lease a minute');
    const later = new Date(t0.getTime() + 30_000);
    const update = await apply(store, uuid, 'update', later, { progress: 1 });
    t.match(update, { outcome: 'applied', job: { heartbeat: { until: '2026-03-01T10:01:30.000Z' } } });
    t.equal((await store.get(uuid))?.heartbeat?.until, '2026-03-01T10:01:30.000Z');
  });

  t.test('heartbeat: the first beat is a note, later ones count without entry or version', async (t) => {
    const store = await withStore(t);
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const uuid = await runningJob(store, t0);
    const first = await apply(store, uuid, 'heartbeat', new Date(t0.getTime() + 1000));
    t.match(first, { outcome: 'applied', entry: { name: 'heartbeat', state: 'RUNNING', version: 3 } });
    const afterFirst = await store.get(uuid);
    t.match(afterFirst, { version: 3, lastEvent: 'run', heartbeat: { count: 1, until: '2026-03-01T10:01:01.000Z' } });
    for (let i = 2; i <= 5; i++) {
      const beat = await apply(store, uuid, 'heartbeat', new Date(t0.getTime() + i * 1000));
      t.match(beat, { outcome: 'duplicate', job: { version: 3, heartbeat: { count: i } } });
    }
    const job = await store.get(uuid);
    t.match(job, {
      version: 3,
      lastEvent: 'run',
      heartbeat: { count: 5, last: '2026-03-01T10:00:05.000Z', until: '2026-03-01T10:01:05.000Z' },
    });
    t.equal((await store.history(uuid)).length, 3, 'create, run, the first heartbeat');
    const finished = await apply(store, uuid, 'finish', new Date(t0.getTime() + 6000));
    t.match(finished, { outcome: 'applied', job: { state: 'FINISHED', heartbeat: { count: 5 } } });
    t.match(await apply(store, uuid, 'heartbeat', new Date(t0.getTime() + 7000)), {
      outcome: 'rejected',
      code: 'job_not_live',
    });
  });

  t.test('heartbeat: a beat and concurrent events lose nothing', async (t) => {
    const store = await withStore(t);
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const uuid = await runningJob(store, t0);
    await apply(store, uuid, 'heartbeat', t0);
    const now = new Date(t0.getTime() + 1000);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => apply(store, uuid, 'update', now, { i })),
      ...Array.from({ length: 10 }, () => apply(store, uuid, 'heartbeat', now)),
    ]);
    const job = await store.get(uuid);
    t.equal(job?.version, 13, 'create, run, first beat and ten updates: no event undone');
    // Exact on SQLite, MongoDB and the fake; FerretDB's non-atomic rewrite may lose a racing count.
    t.ok((job?.heartbeat?.count ?? 0) >= 2 && (job?.heartbeat?.count ?? 0) <= 11, 'beats counted, none twice');
    t.equal((await store.history(uuid)).length, 13);
  });

  t.test('stale: a mark is a note on the expired lease; the next event clears it', async (t) => {
    const store = await withStore(t);
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const uuid = await runningJob(store, t0);
    const until = '2026-03-01T10:01:00.000Z';
    const early = await apply(
      store,
      uuid,
      'stale',
      new Date(t0.getTime() + 30_000),
      { until },
      staleMarkId(uuid, until),
    );
    t.match(early, { outcome: 'rejected', code: 'lease_not_expired' }, 'not before the lease ends');
    const expiredBy = '2026-03-01T10:02:00.000Z';
    t.same(
      (await store.list({ leaseExpiredBy: expiredBy })).jobs.map((j) => j.uuid),
      [uuid],
      'a reaper finds it',
    );
    const at = new Date(expiredBy);
    const mark = await apply(store, uuid, 'stale', at, { until }, staleMarkId(uuid, until));
    t.match(mark, {
      outcome: 'applied',
      job: { state: 'RUNNING', lastEvent: 'run', stale: { since: expiredBy, until } },
      entry: { name: 'stale', state: 'RUNNING', version: 3 },
    });
    const again = await apply(store, uuid, 'stale', at, { until }, staleMarkId(uuid, until));
    t.match(again, { outcome: 'duplicate' }, 'a second reaper with the same expiry: one mark');
    t.same(
      (await store.list({ stale: true })).jobs.map((j) => j.uuid),
      [uuid],
      'listed as stale',
    );
    t.same((await store.list({ leaseExpiredBy: expiredBy })).jobs, [], 'a flagged job is not looked for again');
    t.equal((await store.list({ stale: false })).jobs.length, 0);
    const marked = await store.get(uuid);
    const silent = await store.beat({ uuid, state: 'RUNNING', version: marked?.version ?? 0, at: expiredBy });
    t.equal(silent, undefined, 'no silent beat on a stale job');
    const beat = await apply(store, uuid, 'heartbeat', new Date(at.getTime() + 1000));
    t.match(beat, { outcome: 'applied', entry: { name: 'heartbeat' } }, 'the beat after a mark is a note');
    const job = await store.get(uuid);
    t.equal(job?.stale, undefined, 'the next event cleared the flag');
    t.equal(job?.heartbeat?.until, '2026-03-01T10:03:01.000Z');
    t.same((await store.list({ stale: true })).jobs, []);
  });

  t.test('stale: a beat that renews the lease first wins over the mark', async (t) => {
    const store = await withStore(t);
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const uuid = await runningJob(store, t0);
    await apply(store, uuid, 'heartbeat', t0);
    const until = (await store.get(uuid))?.heartbeat?.until as string;
    const job = await store.get(uuid);
    if (job === undefined) throw new Error('no job');
    // The reaper read the job before the beat: its conditional write must miss.
    const beat = { at: '2026-03-01T10:01:30.000Z', until: '2026-03-01T10:02:30.000Z' };
    t.ok(await store.beat({ uuid, state: 'RUNNING', version: job.version, ...beat }));
    const result = await store.apply({
      uuid,
      expected: { state: job.state, version: job.version, leaseUntil: until },
      entry: {
        id: staleMarkId(uuid, until),
        name: 'stale',
        date: '2026-03-01T10:01:31.000Z',
        data: { until },
        source: 'reaper',
        state: 'RUNNING',
        version: job.version + 1,
      },
      set: { stale: { since: '2026-03-01T10:01:31.000Z', until } },
    });
    t.match(result, { outcome: 'transient', code: 'version_conflict' });
    const after = await store.get(uuid);
    t.equal(after?.stale, undefined);
    t.equal(after?.version, job.version);
    t.equal((await store.history(uuid)).length, job.version, 'no mark in the history');
  });

  t.test('heartbeat: a job may set its own timeout at create', async (t) => {
    const store = await withStore(t);
    const t0 = new Date('2026-03-01T10:00:00.000Z');
    const { job } = await store.create(
      buildNewJob(
        { pipeline: 'hb', data: { k: randomUUID() }, heartbeat: { timeout: '10s' } },
        { now: t0, source: 'test', pipelineHeartbeatMs: MINUTE },
      ),
    );
    t.match(await store.get(job.uuid), { heartbeat: { timeout: 10, until: '2026-03-01T10:00:10.000Z' } });
    await apply(store, job.uuid, 'run', new Date(t0.getTime() + 5000));
    t.equal((await store.get(job.uuid))?.heartbeat?.until, '2026-03-01T10:00:15.000Z', 'its own, not the pipeline’s');
  });
}
