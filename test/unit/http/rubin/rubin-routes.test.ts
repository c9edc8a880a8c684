import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseRegistry } from '../../../../registry/parse-registry.js';
import { PipelineCatalog } from '../../../../registry/pipeline-catalog.js';
import { readRegistry } from '../../../../registry/read-registry.js';
import { ADMIN_TOKEN, startHttpRig, type HttpRig } from '../../../helpers/http-rig.js';

const JOB_SPECS = new URL('../../../fixtures/registry/rubin-job-specs.yaml', import.meta.url).pathname;

/** The seven variables of Rubin's `ap` type, as its client sends them (the CCD number as a number). */
const AP_ENV = {
  AP_JOB_OUTPUT_DIR: '/tmp/ap-out',
  AP_VISIT_ID: '410915',
  AP_CCD_NUM: 25,
  AP_REPO: '/repo',
  AP_TEMPLATE: '/templates',
  AP_CALIB: '/calib',
  AP_FILTER: 'g',
};

const HEX = /^[0-9a-f]{32}$/;

async function rubinRig(t: Test, catalog?: PipelineCatalog, extra: Parameters<typeof startHttpRig>[0] = {}) {
  const pipelines = catalog ?? new PipelineCatalog(readRegistry(JOB_SPECS));
  const rig = await startHttpRig({ manager: true, pipelines, rubin: { launchWaitMs: 100 }, ...extra });
  t.teardown(() => rig.close());
  return rig;
}

async function jobCount(rig: HttpRig): Promise<number> {
  return (await rig.store.list({})).jobs.length;
}

async function postAp(rig: HttpRig, env: Record<string, unknown> = AP_ENV, logDir = '/tmp/ap-logs') {
  return rig.app.inject({ method: 'POST', url: '/api/v1/job', payload: { type: 'ap', env, log_dir: logDir } });
}

t.test('POST /api/v1/job (JSON) creates the job; GET ?id= and /job/{id} read it in both uuid forms', async (t) => {
  const rig = await rubinRig(t);
  const created = await postAp(rig);
  t.equal(created.statusCode, 201);
  const body = created.json<{ status: string; job_id: string; uuid: string; cluster_id: null; url: string }>();
  t.match(body, { status: 'ok', msg: 'job created', cluster_id: null });
  t.match(body.job_id, HEX);
  t.equal(body.uuid.replace(/-/g, ''), body.job_id);
  t.equal(body.url, `http://localhost:80/api/v1/job/${body.job_id}`);
  for (const id of [body.job_id, body.uuid, body.job_id.toUpperCase()]) {
    const read = await rig.app.inject({ url: `/api/v1/job?id=${id}` });
    t.equal(read.statusCode, 200, id);
    t.match(read.json(), {
      status: 'ok',
      msg: '',
      job: { jobId: body.job_id, uuid: body.uuid, type: 'ap', state: 'queued', trackerState: 'CREATED' },
    });
    t.notOk('timeCompleted' in read.json<{ job: object }>().job, 'no timeCompleted before the end');
    t.equal((await rig.app.inject({ url: `/api/v1/job/${id}` })).json<{ job: { uuid: string } }>().job.uuid, body.uuid);
    t.equal((await rig.app.inject({ url: `/jobs/${id}` })).statusCode, 200, `/jobs/${id}`);
    t.equal((await rig.app.inject({ url: `/jobs/${id}/history` })).statusCode, 200, `/jobs/${id}/history`);
  }
  const job = await rig.store.get(body.uuid);
  t.same(job?.data, { env: { ...AP_ENV, AP_CCD_NUM: '25' }, log_dir: '/tmp/ap-logs' }, 'env values kept as text');
  const again = await postAp(rig);
  t.equal(again.statusCode, 200);
  t.match(again.json(), { status: 'ok', job_id: body.job_id, msg: /job exists/ });
});

t.test('a form body and the query string carry the arguments too (env as JSON text)', async (t) => {
  const rig = await rubinRig(t);
  const form = new URLSearchParams({ type: 'ap', env: JSON.stringify(AP_ENV), log_dir: '/tmp/form-logs' });
  const byForm = await rig.app.inject({
    method: 'POST',
    url: '/api/v1/job',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form.toString(),
  });
  t.equal(byForm.statusCode, 201, byForm.body);
  const query = new URLSearchParams({ type: 'ap', env: JSON.stringify(AP_ENV), log_dir: '/tmp/query-logs' });
  const byQuery = await rig.app.inject({ method: 'POST', url: `/api/v1/job?${query.toString()}` });
  t.equal(byQuery.statusCode, 201, byQuery.body);
  t.not(byForm.json<{ job_id: string }>().job_id, byQuery.json<{ job_id: string }>().job_id);
  t.equal(await jobCount(rig), 2);
});

t.test('refusals answer {status: "error", message} with a stable code, and nothing is created', async (t) => {
  const rig = await rubinRig(t);
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    rig.app.inject({ method: 'POST', url: '/api/v1/job', payload: payload as string, headers });
  const sixVars: Record<string, unknown> = { ...AP_ENV };
  delete sixVars['AP_FILTER'];
  const cases: Array<[string, Awaited<ReturnType<typeof post>>, number, string, RegExp]> = [
    ['one of the seven env vars missing', await postAp(rig, sixVars), 400, 'missing_env', /AP_FILTER/],
    [
      'two missing, each named',
      await postAp(rig, {
        AP_REPO: '/repo',
        AP_CALIB: '/c',
        AP_TEMPLATE: '/t',
        AP_JOB_OUTPUT_DIR: '/o',
        AP_VISIT_ID: '1',
      }),
      400,
      'missing_env',
      /AP_CCD_NUM, AP_FILTER/,
    ],
    ['no arguments', await post({}), 400, 'missing_argument', /^Missing arguments type, env, log_dir$/],
    [
      'a form without env and log_dir',
      await post('type=ap', { 'content-type': 'application/x-www-form-urlencoded' }),
      400,
      'missing_argument',
      /^Missing arguments env, log_dir$/,
    ],
    ['no log_dir', await post({ type: 'ap', env: AP_ENV }), 400, 'missing_argument', /^Missing argument log_dir$/],
    [
      'an unknown type',
      await post({ type: 'nope', env: {}, log_dir: '/l' }),
      400,
      'invalid_job_type',
      /^Invalid job type/,
    ],
    ['a type with ../', await post({ type: '../ap', env: AP_ENV, log_dir: '/l' }), 400, 'invalid_job_type', /Invalid/],
    ['a type with /', await post({ type: 'jobs/ap', env: AP_ENV, log_dir: '/l' }), 400, 'invalid_job_type', /Invalid/],
    ['a relative log_dir', await postAp(rig, AP_ENV, 'logs'), 400, 'invalid_log_dir', /absolute/],
    ['env not an object', await post({ type: 'ap', env: 'x', log_dir: '/l' }), 400, 'missing_env', /object/],
    [
      'env values that are not text',
      await postAp(rig, { ...AP_ENV, AP_REPO: { path: '/repo' } }),
      400,
      'missing_env',
      /AP_REPO/,
    ],
    ['malformed JSON', await post('{', { 'content-type': 'application/json' }), 400, 'malformed_json', /./],
  ];
  for (const [what, answer, status, code, message] of cases) {
    t.equal(answer.statusCode, status, what);
    const body = answer.json<{ status: string; message: string; msg: string; code: string }>();
    t.match(body, { status: 'error', code, message }, what);
    t.equal(body.msg, body.message, what);
  }
  t.equal(await jobCount(rig), 0, 'nothing created');
});

t.test('log_dir must lie under PJM_LOG_ROOT once .. and symbolic links are resolved', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-logroot-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'logs');
  mkdirSync(join(root, 'ap'), { recursive: true });
  mkdirSync(join(dir, 'elsewhere'));
  symlinkSync(join(dir, 'elsewhere'), join(root, 'escape'));
  const rig = await rubinRig(t, new PipelineCatalog(readRegistry(JOB_SPECS), undefined, { logRoot: root }));
  for (const outside of [join(dir, 'elsewhere'), `${root}/../elsewhere`, join(root, 'escape', 'ap'), `${root}-2`]) {
    const answer = await postAp(rig, AP_ENV, outside);
    t.equal(answer.statusCode, 400, outside);
    t.match(answer.json(), { code: 'invalid_log_dir', message: /outside the log root/ }, outside);
  }
  t.equal(await jobCount(rig), 0, 'nothing created');
  for (const inside of [root, join(root, 'ap'), join(root, 'not', 'yet', 'made'), `${root}/ap/../other`]) {
    t.equal((await postAp(rig, AP_ENV, inside)).statusCode, 201, inside);
  }
});

t.test("data failing the pipeline's own schema is refused schema_violation, nothing created", async (t) => {
  const registry = parseRegistry(
    `pipelines:
  ap:
    script: jobs/ap_job.sh
    env: [AP_REPO]
    schema:
      type: object
      required: [env, log_dir]
      properties:
        log_dir: {type: string, pattern: "^/data/"}
`,
    'reg.yaml',
  );
  const rig = await rubinRig(t, new PipelineCatalog(registry));
  const refused = await postAp(rig, { AP_REPO: '/repo' }, '/tmp/logs');
  t.equal(refused.statusCode, 400);
  t.match(refused.json(), { status: 'error', code: 'schema_violation', message: /request\.data\.log_dir/ });
  t.equal(await jobCount(rig), 0);
  t.equal((await postAp(rig, { AP_REPO: '/repo' }, '/data/logs')).statusCode, 201);
});

t.test('GET ?id= without an id, or of no job: errors; Job not found in both routes', async (t) => {
  const rig = await rubinRig(t);
  t.match((await rig.app.inject({ url: '/api/v1/job' })).json(), { status: 'error', code: 'missing_argument' });
  for (const url of ['/api/v1/job?id=nope', `/api/v1/job?id=${'0'.repeat(32)}`, `/api/v1/job/${'a'.repeat(32)}`]) {
    const answer = await rig.app.inject({ url });
    t.equal(answer.statusCode, 404, url);
    t.match(answer.json(), { status: 'error', msg: 'Job not found', code: 'unknown_job' }, url);
  }
});

t.test('DELETE is a cancel event: the job token (or an admin) is needed; the job ends aborted', async (t) => {
  const rig = await rubinRig(t);
  const { job_id: id, token } = (await postAp(rig)).json<{ job_id: string; token: string }>();
  const refused = await rig.app.inject({ method: 'DELETE', url: `/api/v1/job/${id}` });
  t.equal(refused.statusCode, 401);
  t.match(refused.json(), { status: 'error', code: 'token_missing' });
  const cancelled = await rig.app.inject({ method: 'DELETE', url: `/api/v1/job/${id}?token=${token}` });
  t.equal(cancelled.statusCode, 200, cancelled.body);
  t.match(cancelled.json(), {
    status: 'ok',
    msg: 'job cancelled',
    job: { state: 'aborted', trackerState: 'CANCELLED' },
  });
  t.match(cancelled.json(), { job: { timeCompleted: /^\d{4}-/ } });
  const again = await rig.app.inject({ method: 'DELETE', url: `/api/v1/job/${id}?token=${token}` });
  t.match(again.json(), { status: 'ok', msg: 'job was already cancelled' });
  const other = (await postAp(rig, { ...AP_ENV, AP_VISIT_ID: '2' })).json<{ job_id: string }>().job_id;
  const byAdmin = await rig.app.inject({
    method: 'DELETE',
    url: `/api/v1/job/${other}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  t.match(byAdmin.json(), { status: 'ok', job: { state: 'aborted' } });
  t.equal((await rig.app.inject({ method: 'DELETE', url: `/api/v1/job/${'0'.repeat(32)}` })).statusCode, 404);
});

t.test('job/list/{category} lists by UWS phase; schema/all and schema/{type} show the job specs', async (t) => {
  const rig = await rubinRig(t);
  const ids: string[] = [];
  const tokens: string[] = [];
  for (const visit of ['1', '2', '3']) {
    const body = (await postAp(rig, { ...AP_ENV, AP_VISIT_ID: visit })).json<{ uuid: string; token: string }>();
    ids.push(body.uuid);
    tokens.push(body.token);
  }
  const send = (i: number, event: string) =>
    rig.app.inject({ method: 'POST', url: `/events?wait=1&uuid=${ids[i]}&event=${event}&token=${tokens[i]}` });
  t.equal((await send(0, 'run')).statusCode, 200);
  t.equal((await send(1, 'run')).statusCode, 200);
  t.equal((await send(1, 'finish')).statusCode, 200);
  const list = async (category: string) =>
    (await rig.app.inject({ url: `/api/v1/job/list/${category}` }))
      .json<{ jobs: { uuid: string; state: string; timeCompleted?: string }[] }>()
      .jobs.map((j) => `${j.uuid}:${j.state}`)
      .sort();
  t.same(await list('all'), [`${ids[0]}:executing`, `${ids[1]}:completed`, `${ids[2]}:queued`].sort());
  t.same(await list('pending'), [`${ids[2]}:queued`]);
  t.same(await list('running'), [`${ids[0]}:executing`]);
  t.same(await list('completed'), [`${ids[1]}:completed`]);
  const done = await rig.app.inject({ url: `/api/v1/job?id=${ids[1]}` });
  const history = await rig.store.history(ids[1] as string);
  t.equal(done.json<{ job: { timeCompleted: string } }>().job.timeCompleted, history.at(-1)?.date);
  t.equal((await rig.app.inject({ url: '/api/v1/job/list/other' })).statusCode, 400);
  const all = await rig.app.inject({ url: '/api/v1/schema/all' });
  t.match(all.json(), { status: 'ok', schemas: { ap: { type: 'ap', script: 'jobs/ap_job.sh' } } });
  const one = await rig.app.inject({ url: '/api/v1/schema/ap' });
  t.match(one.json(), {
    status: 'ok',
    schema: { env: Object.keys(AP_ENV), request: { required: ['type', 'env', 'log_dir'] } },
  });
  t.match((await rig.app.inject({ url: '/api/v1/schema/nope' })).json(), {
    status: 'error',
    code: 'invalid_job_type',
  });
});

t.test('API_BASEPATH moves the routes; without job specs every type is invalid', async (t) => {
  const rig = await startHttpRig({ manager: true, rubin: { basePath: '/ocps/v2/' } });
  t.teardown(() => rig.close());
  t.equal((await rig.app.inject({ url: '/api/v1/schema/all' })).statusCode, 404);
  t.same((await rig.app.inject({ url: '/ocps/v2/schema/all' })).json(), { status: 'ok', msg: '', schemas: {} });
  const answer = await rig.app.inject({
    method: 'POST',
    url: '/ocps/v2/job',
    payload: { type: 'ap', env: AP_ENV, log_dir: '/l' },
  });
  t.match(answer.json(), { status: 'error', code: 'invalid_job_type', message: /no job specs loaded/ });
});

t.test('creates and cancels follow the sender rules; reads need a reader', async (t) => {
  const rig = await rubinRig(t, undefined, { requireSender: true });
  const anonymous = await postAp(rig);
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.json(), { status: 'error', code: 'credentials_missing' });
  t.equal((await rig.app.inject({ url: '/api/v1/schema/all' })).statusCode, 401);
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const created = await rig.app.inject({
    method: 'POST',
    url: '/api/v1/job',
    headers: admin,
    payload: { type: 'ap', env: AP_ENV, log_dir: '/l' },
  });
  t.equal(created.statusCode, 201);
  const id = created.json<{ job_id: string }>().job_id;
  t.equal((await rig.app.inject({ url: `/api/v1/job?id=${id}`, headers: admin })).statusCode, 200);
});

t.test('every job uuid the HTTP API takes may come without dashes: path, query and event body', async (t) => {
  const rig = await rubinRig(t);
  const { job_id: hex, uuid, token } = (await postAp(rig)).json<{ job_id: string; uuid: string; token: string }>();
  const byUrl = await rig.app.inject({ method: 'POST', url: `/events?wait=1&uuid=${hex}&event=run&token=${token}` });
  t.match(byUrl.json(), { uuid, state: 'RUNNING' });
  const byBody = await rig.app.inject({
    method: 'POST',
    url: '/events?wait=1',
    payload: { uuid: hex.toUpperCase(), name: 'update', token, data: { progress: 0.5 } },
  });
  t.match(byBody.json(), { uuid, status: 'applied', state: 'RUNNING' });
  t.equal((await rig.app.inject({ url: `/jobs/${hex}` })).json<{ version: number }>().version, 3);
  const bad = await rig.app.inject({ url: `/jobs/${hex}0` });
  t.equal(bad.statusCode, 400, 'a 33-digit id is no uuid');
});
