import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { PipelineCatalog } from '../../../registry/pipeline-catalog.js';
import { eventually, startManagerOnFakes, type ManagerOnFakes } from '../../helpers/manager-on-fakes.js';

// An event published straight on the bus may give a status word instead of an event name: the
// manager translates it with the job pipeline's vocabulary (the same function as the bridge) and
// checks the phase move on the job it read. Refusals are dead-lettered with their code.

const text = readFileSync(new URL('../../fixtures/registry/vocabularies.yaml', import.meta.url), 'utf8');
const catalog = (): PipelineCatalog => new PipelineCatalog(parseRegistry(text, 'vocabularies.yaml'), false);

async function created(rig: ManagerOnFakes, pipeline: string): Promise<{ uuid: string; token: string }> {
  const reply = await rig.ask({ name: 'create', pipeline, data: { n: Math.random() } });
  return { uuid: reply['uuid'] as string, token: reply['token'] as string };
}

t.test('a status word on the bus is translated: event, phase, history entry and notification', async (t) => {
  const rig = await startManagerOnFakes(t, { pipelines: catalog() });
  const job = await created(rig, 'hrsi-fsc');
  t.match(await rig.ask({ ...job, status: 'started' }), { outcome: 'applied', state: 'RUNNING', version: 2 });
  t.match(await rig.ask({ ...job, status: 'PRE_PROCESSING' }), { outcome: 'applied', state: 'RUNNING' });
  t.match(await rig.store.get(job.uuid), { state: 'RUNNING', phase: 'pre_processing', lastEvent: 'run' });
  t.match((await rig.store.history(job.uuid)).at(-1), { name: 'run', phase: 'pre_processing', source: 'amqp' });
  t.match(rig.notifications.at(-1), { uuid: job.uuid, state: 'RUNNING', phase: 'pre_processing', event: 'run' });
});

t.test('a name with a status word: the name is the event, the word gives the phase', async (t) => {
  const rig = await startManagerOnFakes(t, { pipelines: catalog() });
  const job = await created(rig, 'telescope');
  t.match(await rig.ask({ ...job, name: 'run', status: 'EXPOSING' }), { outcome: 'applied', state: 'RUNNING' });
  t.match(await rig.store.get(job.uuid), { phase: 'EXPOSING', lastEvent: 'run' });
});

t.test('an unknown word is dead-lettered unknown_status; the job is unchanged', async (t) => {
  const rig = await startManagerOnFakes(t, { pipelines: catalog() });
  const job = await created(rig, 'hrsi-fsc');
  const reply = await rig.ask({ ...job, status: 'procesing' });
  t.match(reply, {
    outcome: 'rejected',
    error: { code: 'unknown_status', message: /status "procesing" is not a word of vocabulary hrsi/ },
  });
  const [dead] = await rig.deadLetters(1);
  t.match(dead?.reason, { code: 'unknown_status' });
  t.match(await rig.store.get(job.uuid), { version: 1, state: 'CREATED' });
  t.notOk((await rig.store.get(job.uuid))?.phase);
  const bare = await created(rig, 'no-vocabulary');
  t.match(await rig.ask({ ...bare, status: 'RUNNING' }), {
    error: { code: 'unknown_status', message: /pipeline "no-vocabulary" has no status vocabulary/ },
  });
});

t.test('a phase move the transition table forbids is dead-lettered illegal_transition with its reason', async (t) => {
  const rig = await startManagerOnFakes(t, { pipelines: catalog() });
  const job = await created(rig, 'hrsi-ice');
  await rig.ask({ ...job, status: 'initialized' });
  const before = await rig.store.get(job.uuid);
  const reply = await rig.ask({ ...job, status: 'queued' });
  t.match(reply, {
    outcome: 'rejected',
    error: { code: 'illegal_transition', message: /does not allow phase "initialized" → "queued"/ },
  });
  const [dead] = await rig.deadLetters(1);
  t.match(dead?.reason, { code: 'illegal_transition', message: /allowed after "initialized": configured/ });
  t.same(await rig.store.get(job.uuid), before, 'state, phase and version unchanged');
  t.equal(await rig.counted('rejected', 'illegal_transition'), 1);
  t.match(
    await rig.ask({ ...job, name: 'update', phase: 'done' }),
    {
      error: { code: 'illegal_transition' },
    },
    'a phase sent as it is meets the same table',
  );
});

t.test('a replayed status word is a duplicate, not a refused phase move', async (t) => {
  const rig = await startManagerOnFakes(t, { pipelines: catalog() });
  const job = await created(rig, 'hrsi-fsc');
  const id = '6f1c4b44-6f55-4a0e-9d0c-7d1b2e3c4a5b';
  t.match(await rig.ask({ ...job, id, status: 'started' }), { outcome: 'applied' });
  t.match(await rig.ask({ ...job, id, status: 'started' }), { outcome: 'duplicate', version: 2 });
});

t.test('a create may not carry a status word or a phase', async (t) => {
  const rig = await startManagerOnFakes(t, { pipelines: catalog() });
  t.match(await rig.ask({ name: 'create', pipeline: 'telescope', status: 'UNREAD', data: {} }), {
    outcome: 'rejected',
    error: { code: 'schema_violation', message: 'event.status is not allowed here' },
  });
});

t.test(
  'sequenced status words that arrive out of order wait for their predecessors, then apply in order',
  async (t) => {
    const rig = await startManagerOnFakes(t, { pipelines: catalog() });
    const job = await created(rig, 'hrsi-fsc');
    await rig.post({ ...job, status: 'processing', seq: 3 });
    await rig.post({ ...job, status: 'pre_processing', seq: 2 });
    await rig.post({ ...job, status: 'started', seq: 1 });
    t.ok(await eventually(async () => (await rig.store.get(job.uuid))?.version === 4), 'all three applied');
    t.same(
      (await rig.store.history(job.uuid)).map((e) => e.phase),
      [undefined, 'started', 'pre_processing', 'processing'],
    );
    t.equal((await rig.deadLetters(1, 200)).length, 0, 'none refused for its phase while it waited');
  },
);
