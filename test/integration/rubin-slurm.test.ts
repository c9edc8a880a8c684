import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { until } from '../helpers/launch-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { apEnv, writeApJobSpecs } from '../helpers/rubin-ap.js';
import { servicesRequired } from '../helpers/services.js';
import { haveSlurm, startSlurmReportingTo } from '../helpers/slurm.js';

const run = promisify(execFile);
const missing = haveSlurm();
if (missing !== undefined && servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${missing}`);

/** Rubin's `ap` job: reports progress with curl, then waits for the test's go-ahead. */
const AP_JOB = `#!/bin/sh
job="uuid=$PJM_JOB_UUID&token=$PJM_JOB_TOKEN"
curl -sf -X POST "$PJM_URL/events?$job&wait=1&event=update&note=ccd+$AP_CCD_NUM" > /dev/null
echo "ap visit $AP_VISIT_ID ccd $AP_CCD_NUM on $SLURM_JOB_ID"
i=0
while [ ! -e "$AP_JOB_OUTPUT_DIR/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
`;

interface RubinJob {
  state: string;
  trackerState: string;
  clusterId: string | null;
  timeCompleted?: string;
}

interface CreateAnswer {
  status: string;
  job_id: string;
  uuid: string;
  token: string;
  cluster_id: string | null;
}

/** Sets the one Slurm node's state: DRAIN keeps every new job pending, RESUME lets them run. */
async function node(state: 'DRAIN' | 'RESUME'): Promise<void> {
  const reason = state === 'DRAIN' ? ['Reason=pjm-rubin-test'] : [];
  await run('scontrol', ['update', `NodeName=${hostname().split('.')[0] ?? ''}`, `State=${state}`, ...reason]);
}

t.test(
  "Rubin's flow with the slurm launcher on a real Slurm: queued, DELETE → scancel → aborted; executing → completed",
  { skip: missing ?? false, timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pjm-rubin-slurm-'));
    chmodSync(dir, 0o755);
    const { specs, logRoot, output } = writeApJobSpecs(dir, AP_JOB);
    const { url } = await startPjmService(t, 'serve', {
      PJM_PIPELINES: specs,
      PJM_LOG_ROOT: logRoot,
      PJM_RUBIN_LAUNCHER: 'slurm',
    });
    await startSlurmReportingTo(url);
    t.teardown(() => node('RESUME').catch(() => undefined));

    const api = `${url}/api/v1`;
    const logDir = join(logRoot, 'ap');
    const post = async (ccd: number): Promise<CreateAnswer> => {
      const answer = await fetch(`${api}/job`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'ap', env: apEnv(output, ccd), log_dir: logDir }),
      });
      t.equal(answer.status, 201, `job for ccd ${ccd} created`);
      return (await answer.json()) as CreateAnswer;
    };
    const rubinJob = async (id: string): Promise<RubinJob> =>
      ((await (await fetch(`${api}/job?id=${id}`)).json()) as { job: RubinJob }).job;
    const untilPhase = (id: string, phase: string): Promise<RubinJob> =>
      until(`job ${id} ${phase}`, 120_000, async () => {
        const job = await rubinJob(id);
        return job.state === phase ? job : undefined;
      });
    const slurmState = async (ref: string): Promise<string> => {
      const { stdout } = await run('scontrol', ['show', 'job', ref]);
      return /JobState=(\S+)/.exec(stdout)?.[1] ?? 'unknown';
    };

    await node('DRAIN');
    const held = await post(24);
    const ref = await until('the held job submitted', 30_000, async () => {
      const job = await rubinJob(held.job_id);
      return job.clusterId ?? undefined;
    });
    t.match(ref, /^\d+$/, 'cluster_id: the Slurm job id');
    t.equal(await slurmState(ref), 'PENDING', 'the drained node keeps it pending');
    t.equal((await rubinJob(held.job_id)).state, 'queued');
    const deleted = await fetch(`${api}/job/${held.job_id}?token=${held.token}`, { method: 'DELETE' });
    t.match(await deleted.json(), { status: 'ok', msg: 'job cancelled' });
    t.equal((await untilPhase(held.job_id, 'aborted')).trackerState, 'CANCELLED');
    await until('scancel', 30_000, async () => ((await slurmState(ref)) === 'CANCELLED' ? true : undefined));
    t.pass(`DELETE → cancel → scancel ${ref}`);
    await node('RESUME');

    const created = await post(25);
    const executing = await untilPhase(created.job_id, 'executing');
    t.match(executing, { trackerState: 'RUNNING', clusterId: /^\d+$/ });
    writeFileSync(join(output, 'go'), '');
    const completed = await untilPhase(created.job_id, 'completed');
    t.match(completed, { trackerState: 'FINISHED', timeCompleted: /^\d{4}-/ });
    const out = join(logDir, `${created.uuid}.out`);
    await until('the Slurm output file', 10_000, async () => existsSync(out) || undefined);
    t.equal(readFileSync(out, 'utf8'), `ap visit 410915 ccd 25 on ${executing.clusterId ?? ''}\n`);
    const history = (await (await fetch(`${url}/jobs/${created.job_id}/history`)).json()) as {
      history: { name: string; source: string; data: { note?: string } | null }[];
    };
    const entries = history.history.map((e) => `${e.name}:${e.source}`);
    // The script's curl and Slurm's "began" mail race: either may be recorded first.
    t.same(
      [entries[0], [...entries.slice(1, -1)].sort(), entries.at(-1)],
      ['create:http', ['run:slurm', 'update:http'], 'finish:slurm'],
      'Slurm began and ended the job through MailProg; the script reported its progress with curl',
    );
    t.equal(history.history.find((e) => e.name === 'update')?.data?.note, 'ccd 25');
  },
);
