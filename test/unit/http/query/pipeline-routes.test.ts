import t from 'tap';
import { parseRegistry } from '../../../../registry/parse-registry.js';
import { PipelineCatalog } from '../../../../registry/pipeline-catalog.js';
import { startHttpRig } from '../../../helpers/http-rig.js';

const REGISTRY = `pipelines:
  ap:
    description: Alert production
    env: [AP_REPO]
    script: jobs/ap_job.sh
    launcher: {type: local}
    schema:
      $schema: http://json-schema.org/draft-07/schema#
      type: object
      required: [visit, ccd]
      properties:
        visit: {type: integer}
        ccd: {type: integer}
  free: {}
`;

const catalog = (strict?: boolean): PipelineCatalog => new PipelineCatalog(parseRegistry(REGISTRY, 'reg.yaml'), strict);

t.test('GET /pipelines lists the registry; GET /pipelines/:name answers its schema; unknown is 404', async (t) => {
  const pipelines = catalog();
  const rig = await startHttpRig({ pipelines });
  t.teardown(() => rig.close());
  const list = await rig.app.inject({ url: '/pipelines' });
  t.equal(list.statusCode, 200);
  t.same(list.json(), {
    strict: true,
    pipelines: [
      { name: 'ap', description: 'Alert production', env: ['AP_REPO'], script: 'jobs/ap_job.sh', hasSchema: true },
      { name: 'free', env: [], hasSchema: false },
    ],
  });
  const one = await rig.app.inject({ url: '/pipelines/ap' });
  t.equal(one.statusCode, 200);
  t.match(one.json(), {
    name: 'ap',
    launcher: { type: 'local' },
    schema: { type: 'object', required: ['visit', 'ccd'] },
  });
  const missing = await rig.app.inject({ url: '/pipelines/nope' });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { error: { code: 'not_found', message: /no pipeline nope/ } });
  pipelines.replace(parseRegistry('pipelines:\n  later: {}\n', 'reg.yaml'));
  t.same(
    (await rig.app.inject({ url: '/pipelines' }))
      .json<{ pipelines: { name: string }[] }>()
      .pipelines.map((p) => p.name),
    ['later'],
    'a reload shows at once',
  );
});

t.test('without a registry /pipelines is empty and not strict', async (t) => {
  const rig = await startHttpRig();
  t.teardown(() => rig.close());
  t.same((await rig.app.inject({ url: '/pipelines' })).json(), { strict: false, pipelines: [] });
});

t.test("the OpenAPI document carries each pipeline's create-data schema", async (t) => {
  const rig = await startHttpRig({ pipelines: catalog() });
  t.teardown(() => rig.close());
  const doc = (await rig.app.inject({ url: '/docs/json' })).json<{
    components: { schemas: Record<string, Record<string, unknown>> };
    paths: Record<string, unknown>;
  }>();
  const ap = doc.components.schemas['PipelineData.ap'];
  t.match(ap, { type: 'object', required: ['visit', 'ccd'], description: /pipeline ap/ });
  t.notOk(ap !== undefined && '$schema' in ap, 'no $schema inside an OpenAPI schema object');
  t.notOk('PipelineData.free' in doc.components.schemas, 'a pipeline without a schema adds none');
  t.ok('/pipelines/{name}' in doc.paths, 'the routes are documented');
});

t.test('POST /jobs: strict refuses an unknown pipeline 422, checks data naming every field', async (t) => {
  const rig = await startHttpRig({ pipelines: catalog() });
  t.teardown(() => rig.close());
  const unknown = await rig.app.inject({ method: 'POST', url: '/jobs', payload: { pipeline: 'other', data: {} } });
  t.equal(unknown.statusCode, 422);
  t.match(unknown.json(), {
    error: {
      code: 'unknown_pipeline',
      message: /request\.pipeline "other" is not in the pipeline registry; known: ap, free/,
      details: { known: ['ap', 'free'] },
    },
  });
  const bad = await rig.app.inject({
    method: 'POST',
    url: '/jobs',
    payload: { pipeline: 'ap', data: { visit: 'one' } },
  });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), {
    error: {
      code: 'schema_violation',
      message: 'request.data.ccd is required; request.data.visit must be integer',
      details: { field: 'data.ccd' },
    },
  });
  t.same(bad.json<{ error: { details: { errors: unknown } } }>().error.details.errors, [
    { field: 'data.ccd', reason: 'is required' },
    { field: 'data.visit', reason: 'must be integer' },
  ]);
  const free = await rig.app.inject({ method: 'POST', url: '/jobs', payload: { pipeline: 'free', data: { x: 1 } } });
  t.equal(free.statusCode, 202, 'a listed pipeline without a schema takes any data');
});

t.test('POST /jobs non-strict: an unknown pipeline is created through the manager', async (t) => {
  const rig = await startHttpRig({ pipelines: catalog(false), manager: true });
  t.teardown(() => rig.close());
  const answer = await rig.app.inject({
    method: 'POST',
    url: '/jobs?wait=1',
    payload: { pipeline: 'other', data: {} },
  });
  t.equal(answer.statusCode, 201);
  const listed = await rig.app.inject({
    method: 'POST',
    url: '/jobs?wait=1',
    payload: { pipeline: 'ap', data: { visit: 1, ccd: 2, env: { AP_REPO: '/repo' } } },
  });
  t.equal(listed.statusCode, 201);
  const noEnv = await rig.app.inject({
    method: 'POST',
    url: '/jobs?wait=1',
    payload: { pipeline: 'ap', data: { visit: 1, ccd: 2 } },
  });
  t.equal(noEnv.statusCode, 400, 'a launchable pipeline needs its env');
  t.match(noEnv.json(), { error: { code: 'missing_env', message: /request\.data\.env lacks the variable AP_REPO/ } });
});
