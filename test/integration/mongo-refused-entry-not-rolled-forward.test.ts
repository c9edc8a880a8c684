import { randomUUID } from 'node:crypto';
import t from 'tap';
import { entryToStored, type StoredEntry } from '../../adapters/store/mongo/mongo-documents.js';
import { applyEvent } from '../../model/apply-event.js';
import { createJob, send } from '../helpers/jobs.js';
import { mongoStoreRig } from '../helpers/mongo-store-rig.js';
import { serviceUrl } from '../helpers/services.js';

const service = serviceUrl('PJM_TEST_MONGO_URL');

t.test(
  'an entry whose precondition failed is rolled forward by no reader and no writer; its own writer takes it back',
  { skip: 'skip' in service ? service.skip : false },
  async (t) => {
    if (!('url' in service)) return;
    const { store, db } = await mongoStoreRig(t, service.url, 'pjm_refused_entry');
    const history = db.collection<StoredEntry>('history');
    const job = await createJob(store);
    t.match(await send(store, job.uuid, 'run'), { outcome: 'applied', job: { version: 2, state: 'RUNNING' } });

    // A writer that expected CREATED at version 2 (it never was), between its insert and its take-back.
    const wrong = entryToStored(
      job.uuid,
      {
        id: randomUUID(),
        name: 'run',
        date: new Date().toISOString(),
        data: null,
        source: 'test',
        state: 'RUNNING',
        version: 3,
      },
      { expected: { state: 'CREATED' } },
    );
    await history.insertOne(wrong);
    t.match(await store.get(job.uuid), { version: 2, lastEvent: 'run' }, 'a reader leaves it out');
    const racing = { id: randomUUID(), uuid: job.uuid, name: 'update' as const, data: null, source: 'test' };
    t.match(
      await applyEvent(store, racing, { now: new Date(), maxAttempts: 3 }),
      { outcome: 'transient', code: 'version_conflict' },
      'a writer of the same version loses the race and leaves it out',
    );
    t.match(await store.get(job.uuid), { version: 2 });

    await history.deleteOne({ _id: wrong._id });
    t.match(await send(store, job.uuid, 'update', { progress: 1 }), { outcome: 'applied', job: { version: 3 } });
    t.same(
      (await store.history(job.uuid)).map((entry) => [entry.version, entry.name]),
      [
        [1, 'create'],
        [2, 'run'],
        [3, 'update'],
      ],
      'the chain has no gap and no entry twice',
    );
  },
);

t.test(
  'an applied entry whose projection write was put back by a rewrite is rolled forward again',
  { skip: 'skip' in service ? service.skip : false },
  async (t) => {
    if (!('url' in service)) return;
    const { store, db } = await mongoStoreRig(t, service.url, 'pjm_put_back');
    const job = await createJob(store);
    await send(store, job.uuid, 'run');
    // What FerretDB's read-modify-write of a whole document does when a beat races an event.
    const jobs = db.collection<{ _id: string }>('jobs');
    await jobs.updateOne({ _id: job.uuid }, { $set: { version: 1, state: 'CREATED', lastEvent: 'create' } });
    t.match(await send(store, job.uuid, 'update', { progress: 1 }), { outcome: 'applied', job: { version: 3 } });
    t.match(await store.get(job.uuid), { version: 3, state: 'RUNNING', lastEvent: 'update' });
    t.equal((await store.history(job.uuid)).length, 3);
  },
);
