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
