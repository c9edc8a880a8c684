import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { canonicalJson } from '../../model/canonical-json.js';
import { applyEvent } from '../../model/apply-event.js';
import { buildNewJob } from '../../model/new-job.js';
import type { JobStore } from '../../ports/job-store.js';
import { createJob, send } from '../helpers/jobs.js';
import { launchContract } from './job-store-launch.contract.js';
import { jobStorePhaseContract } from './job-store-phase.contract.js';
import { jobStoreRetryContract } from './job-store-retry.contract.js';
import { jobStoreHeartbeatContract } from './job-store-heartbeat.contract.js';
import { jobStoreClaimContract } from './job-store-claim.contract.js';

/** Makes a fresh, initialised, empty store and a function that disposes of it. */
export type StoreFactory = () => Promise<{ store: JobStore; dispose: () => Promise<void> }>;

async function withStore(t: Test, makeStore: StoreFactory): Promise<JobStore> {
  const { store, dispose } = await makeStore();
  t.teardown(dispose);
  return store;
}

/** The JobStore contract: every adapter must pass all of it unchanged. */
export function jobStoreContract(t: Test, makeStore: StoreFactory): void {
  jobStorePhaseContract(t, (t) => withStore(t, makeStore));
  jobStoreRetryContract(t, (t) => withStore(t, makeStore));
  jobStoreHeartbeatContract(t, (t) => withStore(t, makeStore));
  jobStoreClaimContract(t, (t) => withStore(t, makeStore));
  t.test('create is idempotent: same pipeline and data, same job', async (t) => {
    const store = await withStore(t, makeStore);
    await store.init();
    await store.init();
    const now = new Date('2026-01-02T03:04:05.678Z');
    const first = await store.create(
      buildNewJob({ pipeline: 'p1', data: { a: 1, b: [1, 2] } }, { now, source: 'test' }),
    );
    const again = await store.create(
      buildNewJob(
        { pipeline: 'p1', data: { b: [1, 2], a: 1 } },
        { now: new Date(now.getTime() + 5000), source: 'test' },
      ),
    );
    t.equal(first.created, true);
    t.equal(again.created, false, 'the second create reports an existing job');
    t.equal(again.job.uuid, first.job.uuid, 'key order does not change the uuid');
    t.same(again.job, first.job, 'the existing job comes back unchanged');
    t.match(first.job, { state: 'CREATED', version: 1, lastEvent: 'create', created: '2026-01-02T03:04:05.678Z' });
    const history = await store.history(first.job.uuid);
    t.equal(history.length, 1, 'one create entry, not two');
    t.match(history[0], { name: 'create', version: 1, state: 'CREATED', data: { a: 1, b: [1, 2] } });
    const other = await store.create(
      buildNewJob({ pipeline: 'p2', data: { a: 1, b: [1, 2] } }, { now, source: 'test' }),
    );
    t.not(other.job.uuid, first.job.uuid, 'another pipeline is another job');
  });

  t.test('the creator recorded by the first create stays with the job', async (t) => {
    const store = await withStore(t, makeStore);
    const now = new Date();
    const data = { c: randomUUID() };
    const first = await store.create(
      buildNewJob({ pipeline: 'creator', data }, { now, source: 'test', creator: 'nonce:0123456789abcdef' }),
    );
    t.equal(first.job.creator, 'nonce:0123456789abcdef');
    const again = await store.create(
      buildNewJob({ pipeline: 'creator', data }, { now, source: 'test', creator: 'bus' }),
    );
    t.equal(again.job.creator, 'nonce:0123456789abcdef', 'a later create does not take the job over');
    const run = await applyEvent(
      store,
      { id: randomUUID(), uuid: first.job.uuid, name: 'run', source: 'test' },
      { now },
    );
    t.match(run, { outcome: 'applied', job: { creator: 'nonce:0123456789abcdef' } });
    t.equal((await store.get(first.job.uuid))?.creator, 'nonce:0123456789abcdef');
    const anonymous = await store.create(
      buildNewJob({ pipeline: 'creator', data: { c: randomUUID() } }, { now, source: 'test' }),
    );
    t.equal((await store.get(anonymous.job.uuid))?.creator, undefined, 'none recorded, none returned');
  });

  t.test('apply moves the job, appends history and bumps the version', async (t) => {
    const store = await withStore(t, makeStore);
    const job = await createJob(store, { owner: 'ana', site: 'tfn', archivePath: '/products/x' });
    const run = await send(store, job.uuid, 'run', { host: 'node1' });
    t.match(run, {
      outcome: 'applied',
      from: 'CREATED',
      job: { state: 'RUNNING', version: 2, lastEvent: 'run', owner: 'ana', site: 'tfn' },
    });
    const got = await store.get(job.uuid);
    t.match(got, { state: 'RUNNING', version: 2, archivePath: '/products/x' });
    const history = await store.history(job.uuid);
    t.same(
      history.map((h) => [h.version, h.name, h.state]),
      [
        [1, 'create', 'CREATED'],
        [2, 'run', 'RUNNING'],
      ],
    );
    t.same(history[1]?.data, { host: 'node1' });
    t.equal(await store.get(randomUUID()), undefined, 'an unknown uuid is undefined');
  });

  t.test('apply is idempotent by event id', async (t) => {
    const store = await withStore(t, makeStore);
    const job = await createJob(store);
    const id = randomUUID();
    t.match(await send(store, job.uuid, 'run', { n: 1 }, id), { outcome: 'applied' });
    t.match(await send(store, job.uuid, 'run', { n: 1 }, id), { outcome: 'duplicate', job: { version: 2 } });
    t.match(await send(store, job.uuid, 'finish', null), {
      outcome: 'applied',
      job: { state: 'FINISHED', version: 3 },
    });
    t.match(
      await send(store, job.uuid, 'run', { n: 1 }, id),
      { outcome: 'duplicate' },
      'a replay that is illegal by now is still a duplicate',
    );
    t.equal((await store.history(job.uuid)).length, 3);
    t.match(await store.findEvent(id), { uuid: job.uuid, version: 2, name: 'run' });
    t.equal(await store.findEvent(randomUUID()), undefined);

    const direct = await store.apply({
      uuid: job.uuid,
      expected: { state: 'FINISHED', version: 3 },
      entry: {
        id,
        name: 'index',
        date: new Date().toISOString(),
        data: null,
        source: 'test',
        state: 'INDEXING',
        version: 4,
      },
    });
    t.match(
      direct,
      { outcome: 'duplicate', job: { state: 'FINISHED', version: 3 } },
      'the store itself refuses a used id',
    );
  });

  t.test('apply is conditional on state and version', async (t) => {
    const store = await withStore(t, makeStore);
    const job = await createJob(store);
    await send(store, job.uuid, 'run');
    const stale = await store.apply({
      uuid: job.uuid,
      expected: { state: 'CREATED', version: 1 },
      entry: {
        id: randomUUID(),
        name: 'run',
        date: new Date().toISOString(),
        data: null,
        source: 'test',
        state: 'RUNNING',
        version: 2,
      },
    });
    t.match(stale, { outcome: 'transient', code: 'version_conflict' });
    t.match(await store.get(job.uuid), { version: 2, state: 'RUNNING' });
    const missing = await store.apply({
      uuid: randomUUID(),
      expected: { state: 'CREATED', version: 1 },
      entry: {
        id: randomUUID(),
        name: 'run',
        date: new Date().toISOString(),
        data: null,
        source: 'test',
        state: 'RUNNING',
        version: 2,
      },
    });
    t.match(missing, { outcome: 'deferred', code: 'unknown_job' });
    t.equal((await store.history(job.uuid)).length, 2, 'refused writes leave no history');
    t.match(
      await send(store, job.uuid, 'cancel'),
      { outcome: 'rejected', code: 'illegal_transition' },
      'cancel after run can never apply',
    );
    t.match(
      await send(store, job.uuid, 'validate'),
      { outcome: 'deferred', code: 'illegal_transition' },
      'validate before finish may apply later',
    );
    t.match(
      await send(store, randomUUID(), 'run'),
      { outcome: 'deferred', code: 'unknown_job' },
      'its create may still come',
    );
  });

  t.test('sequenced events apply in seq order: a gap waits, a passed seq is refused', async (t) => {
    const store = await withStore(t, makeStore);
    const { job } = await store.create(
      buildNewJob({ pipeline: 'seq', data: { s: randomUUID() } }, { now: new Date(), source: 'test', seq: 1 }),
    );
    t.equal(job.seq, 1);
    const event = (name: 'run' | 'update', seq: number, id = randomUUID()) =>
      applyEvent(store, { id, uuid: job.uuid, name, seq, source: 'test' }, { now: new Date() });
    t.match(await event('update', 3), { outcome: 'deferred', code: 'sequence_gap' });
    const runId = randomUUID();
    t.match(await event('run', 2, runId), { outcome: 'applied', job: { seq: 2, version: 2 } });
    t.match(await event('update', 3), { outcome: 'applied', job: { seq: 3, version: 3 } });
    t.match(await event('run', 2, runId), { outcome: 'duplicate' }, 'same id, same seq: duplicate');
    t.match(await event('update', 2), { outcome: 'rejected', code: 'stale_sequence' }, 'new id, passed seq: refused');
    t.match(
      await send(store, job.uuid, 'update'),
      { outcome: 'applied', job: { seq: 3, version: 4 } },
      'unsequenced events pass',
    );
    t.same(
      (await store.history(job.uuid)).map((h) => h.seq ?? null),
      [1, 2, 3, null],
    );
  });

  t.test('an event id already used on another job is refused', async (t) => {
    const store = await withStore(t, makeStore);
    const a = await createJob(store);
    const b = await createJob(store);
    const id = randomUUID();
    await send(store, a.uuid, 'run', null, id);
    t.match(await send(store, b.uuid, 'run', null, id), { outcome: 'rejected', code: 'event_id_conflict' });
    t.match(await store.get(b.uuid), { state: 'CREATED', version: 1 });
  });

  t.test('20 concurrent applies to one job: right version, no lost or doubled entry', async (t) => {
    const store = await withStore(t, makeStore);
    const job = await createJob(store);
    await send(store, job.uuid, 'run');
    const ids = Array.from({ length: 20 }, () => randomUUID());
    // Every event is sent twice at once: 40 racing writers, 20 distinct events.
    const outcomes = await Promise.all(
      [...ids, ...ids].map((id, i) => send(store, job.uuid, 'update', { i: i % 20 }, id)),
    );
    t.equal(outcomes.filter((o) => o.outcome === 'applied').length, 20, 'each event applied once');
    t.equal(outcomes.filter((o) => o.outcome === 'duplicate').length, 20, 'each replay seen as a duplicate');
    const final = await store.get(job.uuid);
    t.match(final, { state: 'RUNNING', version: 22 });
    const history = await store.history(job.uuid);
    t.same(
      history.map((h) => h.version),
      Array.from({ length: 22 }, (_, i) => i + 1),
      'versions 1..22, no gap, no double',
    );
    t.same(
      history
        .slice(2)
        .map((h) => h.id)
        .sort(),
      [...ids].sort(),
      'every event id exactly once',
    );
  });

  t.test('hostile keys round-trip unchanged and pollute no prototype', async (t) => {
    const store = await withStore(t, makeStore);
    const text =
      '{"$where":"sleep(1000)","a.b":{"$set":{"x.y":1}},"__proto__":{"polluted":true},' +
      '"constructor":{"prototype":{"polluted":true}},"$gt":"","":"empty",' +
      '"nested":[{"$ne":null,"__proto__":{"deep":1}}]}';
    const data = JSON.parse(text) as Record<string, unknown>;
    const job = await createJob(store, {
      pipeline: 'hostile',
      data,
      detail: JSON.parse(text) as Record<string, unknown>,
    });
    await send(store, job.uuid, 'update', JSON.parse(text) as Record<string, unknown>);
    const got = await store.get(job.uuid);
    const history = await store.history(job.uuid);
    for (const [label, value] of [
      ['job data', got?.data],
      ['job detail', got?.detail],
      ['create entry', history[0]?.data],
      ['update entry', history[1]?.data],
    ] as const) {
      t.equal(canonicalJson(value), canonicalJson(data), `${label} unchanged`);
      t.equal(Object.getPrototypeOf(value), Object.prototype, `${label} has a plain prototype`);
      t.ok(Object.hasOwn(value as object, '__proto__'), `${label} keeps __proto__ as an own key`);
    }
    t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype untouched');
    const listed = await store.list({ pipeline: 'hostile' });
    t.equal(canonicalJson(listed.jobs[0]?.data), canonicalJson(data));
  });

  t.test('list filters and pages through every job exactly once, newest first', async (t) => {
    const store = await withStore(t, makeStore);
    const base = Date.parse('2021-05-01T00:00:00.000Z');
    const made = [];
    for (let i = 0; i < 25; i++) {
      made.push(
        await createJob(
          store,
          { pipeline: i % 2 === 0 ? 'even' : 'odd', owner: i < 5 ? 'ana' : 'ben', site: 'ogg', data: { i } },
          new Date(base + i * 1000),
        ),
      );
    }
    for (const job of made.slice(0, 3)) await send(store, job.uuid, 'run');
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ limit: 10, ...(cursor !== undefined && { cursor }) });
      seen.push(...page.jobs.map((j) => j.uuid));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined);
    t.equal(pages, 3);
    t.same(seen, made.map((j) => j.uuid).reverse(), 'all 25, newest first, none twice');
    const asc = await store.list({ order: 'asc', limit: 1000 });
    t.same(
      asc.jobs.map((j) => j.uuid),
      made.map((j) => j.uuid),
    );
    t.equal((await store.list({ pipeline: 'even' })).jobs.length, 13);
    t.equal((await store.list({ owner: 'ana' })).jobs.length, 5);
    t.equal((await store.list({ site: 'nowhere' })).jobs.length, 0);
    const named = made[7];
    t.same(
      (await store.list({ ulid: named?.ulid ?? '' })).jobs.map((j) => j.uuid),
      [named?.uuid],
      'a ulid names one job',
    );
    t.same((await store.list({ ulid: named?.ulid ?? '', pipeline: 'even' })).jobs, [], 'combined with AND');
    t.same((await store.list({ ulid: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).jobs, []);
    t.equal((await store.list({ state: 'RUNNING' })).jobs.length, 3);
    t.equal((await store.list({ state: ['RUNNING', 'CREATED'] })).jobs.length, 25);
    const since = new Date(base + 20_000).toISOString();
    t.equal((await store.list({ createdSince: since })).jobs.length, 5);
    t.equal((await store.list({ createdUntil: new Date(base + 1_000).toISOString() })).jobs.length, 2);
    const updatedSince = new Date(base + 60_000).toISOString();
    t.equal((await store.list({ updatedSince })).jobs.length, 3, 'the three jobs that ran were updated now');
    await t.rejects(store.list({ cursor: 'not-a-cursor' }), { code: 'schema_violation' });
    await t.rejects(store.list({ limit: 0 }), { code: 'schema_violation' });
  });

  t.test('history pages by version', async (t) => {
    const store = await withStore(t, makeStore);
    const job = await createJob(store);
    await send(store, job.uuid, 'run');
    for (let i = 0; i < 5; i++) await send(store, job.uuid, 'update', { i });
    t.same(
      (await store.history(job.uuid, { afterVersion: 2, limit: 2 })).map((h) => h.version),
      [3, 4],
    );
    t.same(await store.history(randomUUID()), []);
  });

  launchContract(t, (t) => withStore(t, makeStore));
}
