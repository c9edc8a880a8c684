import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { applyEvent } from '../../model/apply-event.js';
import type { EventOutcome } from '../../model/event-outcome.js';
import type { JobStore } from '../../ports/job-store.js';
import { readRegistry } from '../../registry/read-registry.js';
import { createJob } from '../helpers/jobs.js';

/** The example registry: HR-S&I's vocabulary with its transition table, Photon Ranch's without one. */
const registry = readRegistry(new URL('../fixtures/registry/vocabularies.yaml', import.meta.url).pathname);
const vocabularyOf = (pipeline: string) => registry.vocabularyOf(pipeline);

function sendStatus(store: JobStore, uuid: string, status: string): Promise<EventOutcome> {
  return applyEvent(store, { id: randomUUID(), uuid, status, source: 'test' }, { now: new Date(), vocabularyOf });
}

/**
 * The phase part of the JobStore contract (run by {@link jobStoreContract} on every adapter): the
 * phase travels with the state in the one conditional write, is recorded per history entry, is
 * filtered on by `list`, and a transition-table check made on the job read cannot be raced past.
 */
export function jobStorePhaseContract(t: Test, withStore: (t: Test) => Promise<JobStore>): void {
  t.test('phase: set with the state in one write, recorded per entry, kept by events that set none', async (t) => {
    const store = await withStore(t);
    const job = await createJob(store, { pipeline: 'telescope' });
    t.equal(job.phase, undefined, 'a new job has no phase');
    t.match(await sendStatus(store, job.uuid, 'received'), {
      outcome: 'applied',
      job: { state: 'CREATED', phase: 'RECEIVED' },
      entry: { name: 'resource', phase: 'RECEIVED', version: 2 },
    });
    await sendStatus(store, job.uuid, 'STARTED');
    const note = await applyEvent(
      store,
      { id: randomUUID(), uuid: job.uuid, name: 'update', data: { note: 'no phase' }, source: 'test' },
      { now: new Date(), vocabularyOf },
    );
    t.match(note, { outcome: 'applied', job: { state: 'RUNNING', phase: 'STARTED' } });
    t.equal((await store.get(job.uuid))?.phase, 'STARTED', 'an event without a phase leaves it');
    const history = await store.history(job.uuid);
    t.same(
      history.map((e) => [e.name, e.phase]),
      [
        ['create', undefined],
        ['resource', 'RECEIVED'],
        ['run', 'STARTED'],
        ['update', undefined],
      ],
    );
    t.notOk('phase' in (history[3] ?? {}), 'an entry that set no phase has none');
  });

  t.test('phase: the store refuses a command whose phase is not its entry’s', async (t) => {
    const store = await withStore(t);
    const job = await createJob(store);
    const entry = {
      id: randomUUID(),
      name: 'run' as const,
      date: new Date().toISOString(),
      data: null,
      source: 'test',
      state: 'RUNNING' as const,
      version: 2,
      phase: 'a',
    };
    await t.rejects(
      store.apply({ uuid: job.uuid, expected: { state: 'CREATED', version: 1 }, entry, phase: 'b' }),
      RangeError,
    );
    t.equal((await store.get(job.uuid))?.version, 1);
  });

  t.test(
    'phase: two moves each allowed from the phase read, not one after the other — exactly one applies',
    async (t) => {
      const store = await withStore(t);
      for (let round = 0; round < 5; round++) {
        const job = await createJob(store, { pipeline: 'hrsi-fsc', data: { tile: randomUUID() } });
        for (const status of ['started', 'pre_processing', 'processing', 'post_processing', 'processed'])
          t.equal((await sendStatus(store, job.uuid, status)).outcome, 'applied', status);
        // processed → start_publication and processed → done are allowed; neither may follow the other.
        const outcomes = await Promise.all([
          sendStatus(store, job.uuid, 'start_publication'),
          sendStatus(store, job.uuid, 'done'),
        ]);
        const applied = outcomes.filter((o) => o.outcome === 'applied');
        const refused = outcomes.filter((o) => o.outcome === 'rejected');
        t.equal(applied.length, 1, 'one applies');
        t.match(refused, [
          { code: 'illegal_transition', message: /does not allow phase "(start_publication|done)" →/ },
        ]);
        const after = await store.get(job.uuid);
        const history = await store.history(job.uuid);
        t.equal(after?.version, 7);
        t.equal(history.length, 7, 'one entry for the winner, none for the refused');
        t.equal(after?.phase, history.at(-1)?.phase, 'the job shows the phase of its last entry');
      }
    },
  );

  t.test('phase: a refused move leaves state, phase and version as they were', async (t) => {
    const store = await withStore(t);
    const job = await createJob(store, { pipeline: 'hrsi-ice', data: { tile: randomUUID() } });
    await sendStatus(store, job.uuid, 'initialized');
    const before = await store.get(job.uuid);
    t.match(await sendStatus(store, job.uuid, 'processing'), {
      outcome: 'rejected',
      code: 'illegal_transition',
      message: /vocabulary hrsi does not allow phase "initialized" → "processing"/,
    });
    t.match(await sendStatus(store, job.uuid, 'procesing'), { outcome: 'rejected', code: 'unknown_status' });
    t.same(await store.get(job.uuid), before);
    t.equal((await store.history(job.uuid)).length, 2);
  });

  t.test('list filters by phase (exact)', async (t) => {
    const store = await withStore(t);
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await createJob(store, { pipeline: 'telescope', data: { i } }));
    for (const job of jobs.slice(0, 3)) await sendStatus(store, job.uuid, 'EXPOSING');
    await sendStatus(store, jobs[3]?.uuid ?? '', 'UNREAD');
    t.same(
      (await store.list({ phase: 'EXPOSING', order: 'asc' })).jobs.map((j) => j.uuid),
      jobs.slice(0, 3).map((j) => j.uuid),
    );
    t.equal((await store.list({ phase: 'UNREAD' })).jobs.length, 1);
    t.equal((await store.list({ phase: 'exposing' })).jobs.length, 0, 'case-sensitive');
    t.equal((await store.list({ phase: 'EXPOSING', state: 'RUNNING' })).jobs.length, 0, 'with the other filters');
  });
}
