import t from 'tap';
import type { LaunchRecord } from '../../model/job.js';
import { createJob } from '../helpers/jobs.js';
import { mongoStoreRig } from '../helpers/mongo-store-rig.js';
import { serviceUrl } from '../helpers/services.js';

const service = serviceUrl('PJM_TEST_MONGO_URL');

t.test(
  "a job's launch record reads as the chain has it after a write put a stale intent back in the job document",
  { skip: 'skip' in service ? service.skip : false },
  async (t) => {
    if (!('url' in service)) return;
    const { store, db } = await mongoStoreRig(t, service.url, 'pjm_launch_projection');
    const job = await createJob(store);
    const intent: LaunchRecord = { state: 'intent', by: 'd1', at: new Date().toISOString(), launcher: 'local' };
    const launched: LaunchRecord = { ...intent, state: 'launched', ref: '4242' };
    t.ok(await store.markLaunch(job.uuid, null, intent));
    t.ok(await store.markLaunch(job.uuid, intent, launched));
    // What FerretDB's read-modify-write of a whole document does when a job write races the projection.
    const jobs = db.collection<{ _id: string; launch?: LaunchRecord }>('jobs');
    await jobs.updateOne({ _id: job.uuid }, { $set: { launch: intent } });

    t.match((await store.get(job.uuid))?.launch, { state: 'launched', by: 'd1', ref: '4242' });
    t.match((await jobs.findOne({ _id: job.uuid }))?.launch, { state: 'launched' }, 'the projection is repaired');
    t.equal(await store.markLaunch(job.uuid, intent, { ...intent, by: 'd2' }), false, 'the chain still decides');
  },
);
