import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { PipelineJobsError } from '../../../errors/index.js';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { readRegistry } from '../../../registry/read-registry.js';

const fixture = (name: string): string => new URL(`../../fixtures/registry/${name}`, import.meta.url).pathname;

/** The invalid_registry error parseRegistry throws for `text`. */
function refusal(t: Test, text: string): PipelineJobsError {
  try {
    parseRegistry(text, 'reg.yaml');
  } catch (err) {
    t.type(err, PipelineJobsError);
    t.equal((err as PipelineJobsError).code, 'invalid_registry');
    t.match((err as PipelineJobsError).message, /^invalid pipeline registry reg\.yaml: /, 'names the file');
    return err as PipelineJobsError;
  }
  t.fail('the registry was accepted');
  throw new Error('unreachable');
}

t.test('the native format loads: pipelines, descriptions, env, script, schemas', async (t) => {
  const registry = readRegistry(fixture('pipelines.yaml'));
  t.equal(registry.format, 'pipelines');
  t.same(registry.names(), ['ap', 'reduce']);
  t.match(registry.get('ap'), {
    description: 'Alert production on one CCD of one visit.',
    env: ['AP_REPO', 'AP_CALIB'],
    script: 'jobs/ap_job.sh',
  });
  t.same(registry.get('reduce')?.env, []);
  t.equal(registry.checkData('ap', { visit: 1, ccd: 3 }, 'request'), undefined);
  t.equal(registry.checkData('reduce', { anything: [1] }, 'request'), undefined);
});

t.test("Rubin's job_specs.yaml loads as-is", async (t) => {
  const text = readFileSync(fixture('rubin-job-specs.yaml'), 'utf8');
  const registry = parseRegistry(text, 'job_specs.yaml');
  t.equal(registry.format, 'rubin');
  t.same(registry.names(), ['ap']);
  t.same(registry.get('ap'), {
    name: 'ap',
    script: 'jobs/ap_job.sh',
    env: ['AP_JOB_OUTPUT_DIR', 'AP_VISIT_ID', 'AP_CCD_NUM', 'AP_REPO', 'AP_TEMPLATE', 'AP_CALIB', 'AP_FILTER'],
  });
});

t.test('data failing the schema: schema_violation naming every bad field', async (t) => {
  const registry = readRegistry(fixture('pipelines.yaml'));
  const err = registry.checkData('ap', { ccd: 500, filter: 'q', extra: true }, 'request');
  t.equal(err?.code, 'schema_violation');
  t.match(err?.message, /request\.data\.visit is required/);
  t.match(err?.message, /request\.data\.ccd must be <= 188/);
  t.match(err?.message, /request\.data\.filter must be one of: u, g, r, i, z, y/);
  t.match(err?.message, /request\.data\.extra is not an allowed property/);
  const fields = (err?.details['errors'] as { field: string }[]).map((e) => e.field).sort();
  t.same(fields, ['data.ccd', 'data.extra', 'data.filter', 'data.visit']);
  t.ok(fields.includes(err?.details['field'] as string), 'details.field names the first, as today');
});

t.test('a YAML syntax error names the file and the line', async (t) => {
  const err = refusal(t, 'pipelines:\n  ap:\n    description: [unclosed\n');
  t.match(err.message, /is not valid YAML/);
  t.match(err.message, /line \d+/);
});

t.test('a duplicate key is a syntax error, not a silent override', async (t) => {
  const err = refusal(t, 'pipelines:\n  ap: {}\n  ap: {description: x}\n');
  t.match(err.message, /not valid YAML/);
});

t.test('an unknown key names the pipeline and the key', async (t) => {
  const err = refusal(t, 'pipelines:\n  ap:\n    shema: {type: object}\n');
  t.match(err.message, /pipeline "ap": key "shema" is not a known key/);
  t.same(err.details['errors'], [{ pipeline: 'ap', key: 'shema', reason: 'is not a known key' }]);
});

t.test('an unknown top-level key and a Rubin type with an unknown key', async (t) => {
  t.match(refusal(t, 'pipelines: {}\nextra: 1\n').message, /key "extra" is not a known key/);
  t.match(
    refusal(t, 'type:\n  ap:\n    script: a.sh\n    envs: [A]\n').message,
    /pipeline "ap": key "envs" is not a known key/,
  );
});

t.test('a schema that is not a schema is a registry error naming the pipeline and "schema"', async (t) => {
  const notSchema = refusal(t, 'pipelines:\n  ap:\n    schema: {type: 12}\n');
  t.match(notSchema.message, /pipeline "ap": key "schema" is not a valid JSON Schema/);
  const misspelt = refusal(t, 'pipelines:\n  ap:\n    schema: {type: object, requird: [a]}\n');
  t.match(misspelt.message, /pipeline "ap": key "schema" is not a valid JSON Schema: .*requird/);
});

t.test('wrong shapes: env entries, reserved keys, pipeline names, an empty file', async (t) => {
  t.match(
    refusal(t, 'pipelines:\n  ap:\n    env: [ok, "not ok"]\n').message,
    /pipeline "ap": key "env\[1\]" must match pattern/,
  );
  t.match(
    refusal(t, 'pipelines:\n  ap:\n    launcher: local\n').message,
    /pipeline "ap": key "launcher" must be object/,
  );
  t.match(refusal(t, 'pipelines:\n  "a b": {}\n').message, /pipeline "a b": is not a valid pipeline name/);
  t.match(refusal(t, '').message, /must be a mapping/);
  t.match(refusal(t, 'pipelines: []\n').message, /key "pipelines" must be object/);
});

t.test('a heartbeat and a launcher are checked', async (t) => {
  const registry = parseRegistry(
    'pipelines:\n  ap:\n    script: run.sh\n    launcher: {type: local, concurrency: 2}\n  ' +
      '  heartbeat: {timeout: 10m}\n  b:\n    heartbeat: {timeout: 90}\n',
    'reg.yaml',
  );
  t.equal(registry.heartbeatOf('ap'), 600_000, 'heartbeat.timeout 10m');
  t.equal(registry.heartbeatOf('b'), 90_000, 'a number is seconds');
  t.equal(registry.heartbeatOf('other'), undefined);
  t.match(
    refusal(t, 'pipelines:\n  ap:\n    heartbeat: {every: 60s}\n').message,
    /key "heartbeat.every" is not a known/,
  );
  t.match(refusal(t, 'pipelines:\n  ap:\n    heartbeat: {timeout: soon}\n').message, /key "heartbeat.timeout"/);
  t.same(registry.get('ap')?.launcher, { type: 'local', concurrency: 2 });
  t.same(registry.launcherOf('ap', 'slurm'), { type: 'local', concurrency: 2 });
  t.match(refusal(t, 'pipelines:\n  ap:\n    launcher: {type: local}\n').message, /pipeline "ap": .*script/);
  t.match(
    refusal(t, 'pipelines:\n  ap:\n    script: x\n    launcher: {type: pbs}\n').message,
    /pipeline "ap": key "launcher.type" must be one of: local, slurm/,
  );
  t.match(
    refusal(t, 'pipelines:\n  ap:\n    script: x\n    launcher: {type: local, kind: x}\n').message,
    /key "launcher.kind" is not a known key/,
  );
  const rubin = parseRegistry('type:\n  ap:\n    script: run.sh\n  doc: {}\n', 'job_specs.yaml');
  t.same(rubin.launcherOf('ap', 'slurm'), { type: 'slurm' }, "Rubin's form takes PJM_RUBIN_LAUNCHER");
  t.equal(rubin.launcherOf('doc', 'local'), undefined, 'no script, nothing to launch');
});

t.test('a file that does not exist', async (t) => {
  t.throws(() => readRegistry(fixture('absent.yaml')), {
    code: 'invalid_registry',
    message: /absent\.yaml: the file does not exist/,
  });
});
