import t from 'tap';
import { jobUuid } from '../../../model/job-identity.js';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { PipelineCatalog } from '../../../registry/pipeline-catalog.js';
import { startManagerOnFakes } from '../../helpers/manager-on-fakes.js';

// A create that reaches the manager straight from the bus (not through POST /jobs) meets the same
// registry check as the bridge's: refused, dead-lettered with the code, nothing stored.

const REGISTRY =
  'pipelines:\n  ap:\n    schema: {type: object, required: [visit], properties: {visit: {type: integer}}}\n';

t.test(
  'strict registry: a create for an unlisted pipeline is dead-lettered unknown_pipeline and answered',
  async (t) => {
    const rig = await startManagerOnFakes(t, { pipelines: new PipelineCatalog(parseRegistry(REGISTRY, 'reg.yaml')) });
    const reply = await rig.ask({ name: 'create', pipeline: 'other', data: { n: 1 } });
    t.match(reply, {
      outcome: 'rejected',
      error: {
        code: 'unknown_pipeline',
        message: /event\.pipeline "other" is not in the pipeline registry; known: ap/,
      },
    });
    const [dead] = await rig.deadLetters(1);
    t.match(dead?.reason, { code: 'unknown_pipeline' });
    t.equal(await rig.store.get(jobUuid('other', { n: 1 })), undefined, 'nothing created');
    t.equal(await rig.counted('rejected', 'unknown_pipeline'), 1);
  },
);

t.test("data failing the pipeline's schema is dead-lettered schema_violation naming every bad field", async (t) => {
  const rig = await startManagerOnFakes(t, { pipelines: new PipelineCatalog(parseRegistry(REGISTRY, 'reg.yaml')) });
  const reply = await rig.ask({ name: 'create', pipeline: 'ap', data: { visit: 'x', extra: 1 } });
  t.match(reply, {
    outcome: 'rejected',
    error: { code: 'schema_violation', message: 'event.data.visit must be integer' },
  });
  t.equal((await rig.deadLetters(1)).length, 1);
  const ok = await rig.ask({ name: 'create', pipeline: 'ap', data: { visit: 3 } });
  t.match(ok, { outcome: 'applied', state: 'CREATED' }, 'valid data is created');
});

t.test('non-strict registry and no registry: unlisted pipelines are created', async (t) => {
  const loose = await startManagerOnFakes(t, {
    pipelines: new PipelineCatalog(parseRegistry(REGISTRY, 'reg.yaml'), false),
  });
  t.match(await loose.ask({ name: 'create', pipeline: 'other', data: {} }), { outcome: 'applied' });
  const none = await startManagerOnFakes(t);
  t.match(await none.ask({ name: 'create', pipeline: 'other', data: {} }), { outcome: 'applied' });
});
