import t from 'tap';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { PipelineCatalog } from '../../../registry/pipeline-catalog.js';

const registry = parseRegistry(
  'pipelines:\n  ap:\n    schema: {type: object, required: [visit]}\n  free: {}\n',
  'reg.yaml',
);

t.test('without a registry every pipeline and any data is accepted', async (t) => {
  const catalog = new PipelineCatalog();
  t.equal(catalog.strict, false);
  t.equal(catalog.checkCreate('anything', { x: 1 }, 'request'), undefined);
});

t.test(
  'with a registry, strict by default: an unlisted pipeline is unknown_pipeline naming the known ones',
  async (t) => {
    const catalog = new PipelineCatalog(registry);
    t.equal(catalog.strict, true);
    const err = catalog.checkCreate('nope', {}, 'event');
    t.equal(err?.code, 'unknown_pipeline');
    t.match(err?.message, /event\.pipeline "nope" is not in the pipeline registry; known: ap, free/);
    t.same(err?.details, { pipeline: 'nope', known: ['ap', 'free'] });
    t.equal(catalog.checkCreate('free', { any: true }, 'event'), undefined);
  },
);

t.test('non-strict: unlisted pipelines pass, listed ones are still checked against their schema', async (t) => {
  const catalog = new PipelineCatalog(registry, false);
  t.equal(catalog.checkCreate('nope', {}, 'request'), undefined);
  t.match(catalog.checkCreate('ap', {}, 'request'), {
    code: 'schema_violation',
    message: 'request.data.visit is required',
  });
  t.equal(catalog.checkCreate('ap', { visit: 1 }, 'request'), undefined);
});

t.test('replace swaps the whole registry', async (t) => {
  const catalog = new PipelineCatalog(registry);
  catalog.replace(parseRegistry('pipelines:\n  other: {}\n', 'reg.yaml'));
  t.equal(catalog.checkCreate('ap', {}, 'request')?.code, 'unknown_pipeline');
  t.equal(catalog.checkCreate('other', {}, 'request'), undefined);
  catalog.replace(undefined);
  t.equal(catalog.strict, false);
  t.equal(catalog.checkCreate('ap', {}, 'request'), undefined);
});
