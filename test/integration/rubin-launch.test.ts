import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { startPjmService } from '../helpers/pjm-service.js';
import { apEnv, writeApJobSpecs } from '../helpers/rubin-ap.js';

/** Rubin's `ap` job as a script: reports progress with curl, then waits for the test's go-ahead. */
const AP_JOB = `#!/bin/sh
report() { curl -sf -X POST "$PJM_URL/events?uuid=$PJM_JOB_UUID&token=$PJM_JOB_TOKEN&wait=1&$1" > /dev/null; }
report event=run
report "event=update&note=visit+$AP_VISIT_ID+ccd+$AP_CCD_NUM"
echo "ap visit $AP_VISIT_ID ccd $AP_CCD_NUM filter $AP_FILTER"
echo "diagnostics" >&2
i=0
while [ ! -e "$AP_JOB_OUTPUT_DIR/go" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
`;

interface RubinJob {
  state: string;
  trackerState: string;
  clusterId: string | null;
  timeCompleted?: string;
}

async function phaseOf(api: string, id: string): Promise<RubinJob> {
  return ((await (await fetch(`${api}/job?id=${id}`)).json()) as { job: RubinJob }).job;
}

async function untilPhase(api: string, id: string, phase: string): Promise<RubinJob> {
  for (let i = 0; i < 300; i++) {
    const job = await phaseOf(api, id);
    if (job.state === phase) return job;
    await sleep(100);
  }
  throw new Error(`job ${id} never reached ${phase}: ${JSON.stringify(await phaseOf(api, id))}`);
}

t.test("Rubin's flow on the embedded default: job_specs.yaml, POST /api/v1/job, the local launcher", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-rubin-launch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { specs, logRoot, output } = writeApJobSpecs(dir, AP_JOB);
  const { url } = await startPjmService(t, 'serve', { PJM_PIPELINES: specs, PJM_LOG_ROOT: logRoot });
  const api = `${url}/api/v1`;
  const env = apEnv(output);
  const logDir = join(logRoot, 'ap');
  const post = (body: unknown) =>
    fetch(`${api}/job`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const six = { ...env };
  delete six['AP_CALIB'];
  const refused = await post({ type: 'ap', env: six, log_dir: logDir });
  t.equal(refused.status, 400);
  t.match(await refused.json(), { status: 'error', code: 'missing_env', message: /lacks the variable AP_CALIB\b/ });
  const outside = await post({ type: 'ap', env, log_dir: join(dir, 'elsewhere') });
  t.match(await outside.json(), { status: 'error', code: 'invalid_log_dir' });
  const traversal = await post({ type: '../jobs/ap', env, log_dir: logDir });
  t.match(await traversal.json(), { status: 'error', code: 'invalid_job_type' });
  const none = (await (await fetch(`${api}/job/list/all`)).json()) as { jobs: unknown[] };
  t.same(none.jobs, [], 'the refused posts created nothing, launched nothing');

  const created = await post({ type: 'ap', env, log_dir: logDir });
  t.equal(created.status, 201);
  const answer = (await created.json()) as { status: string; job_id: string; uuid: string; cluster_id: string | null };
  t.match(answer, { status: 'ok', msg: 'job created', job_id: /^[0-9a-f]{32}$/ });
  t.match(answer.cluster_id, /^\d+$/, 'cluster_id: the process id of the launched script');

  const executing = await untilPhase(api, answer.job_id, 'executing');
  t.match(executing, { trackerState: 'RUNNING', clusterId: answer.cluster_id });
  t.notOk('timeCompleted' in executing);
  writeFileSync(join(output, 'go'), '');
  const completed = await untilPhase(api, answer.job_id, 'completed');
  t.match(completed, { trackerState: 'FINISHED', timeCompleted: /^\d{4}-/ });

  const out = join(logDir, `${answer.uuid}.out`);
  const err = join(logDir, `${answer.uuid}.err`);
  t.ok(existsSync(out) && existsSync(err), 'the log files exist');
  t.equal(readFileSync(out, 'utf8'), 'ap visit 410915 ccd 25 filter g\n');
  t.equal(readFileSync(err, 'utf8'), 'diagnostics\n');
  const history = (await (await fetch(`${url}/jobs/${answer.job_id}/history`)).json()) as {
    history: { name: string; data: { note?: string } | null }[];
  };
  t.same(
    history.history.map((e) => e.name),
    ['create', 'run', 'update', 'finish'],
  );
  t.equal(history.history[2]?.data?.note, 'visit 410915 ccd 25', 'the script reported its progress with curl');
});
