import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { jobsApi } from '../helpers/launch-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { servicesRequired } from '../helpers/services.js';
import { haveSlurm, startSlurmReportingTo } from '../helpers/slurm.js';

const missing = haveSlurm();
if (missing !== undefined && servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${missing}`);

t.test(
  'real Slurm: a job past its --time=1 ends in a TIMEOUT fail, and the policy retries it',
  { skip: missing ?? false, timeout: 420_000 },
  async (t) => {
    const logs = mkdtempSync(join(tmpdir(), 'pjm-retries-slurm-logs-'));
    // World-writable: the batch script runs as whichever user Slurm gives it.
    const marks = mkdtempSync(join(tmpdir(), 'pjm-retries-slurm-marks-'));
    const registry = join(mkdtempSync(join(tmpdir(), 'pjm-retries-slurm-')), 'pipelines.yaml');
    writeFileSync(
      registry,
      [
        'pipelines:',
        '  slow:',
        // The first attempt outlives its time limit; the retry finishes at once.
        `    script: 'if [ -e ${marks}/$PJM_JOB_UUID ]; then exit 0; fi; touch ${marks}/$PJM_JOB_UUID; sleep 120'`,
        `    launcher: {type: slurm, log_dir: ${logs}, sbatch: ["--time=1"]}`,
        '    retry: {max_attempts: 2, rules: [{error_subtype: TIMEOUT}]}',
        '',
      ].join('\n'),
    );
    const { url } = await startPjmService(t, 'serve', { PJM_PIPELINES: registry });
    await startSlurmReportingTo(url);
    const api = jobsApi(url);
    const slow = await api.create('slow', {});

    const finished = await api.stateIs(slow.uuid, 'FINISHED', 360_000);
    t.match(finished, { attempts: 2, launch: { state: 'launched', launcher: 'slurm', attempt: 2 } });
    const history = await api.history(slow.uuid);
    t.same(
      // Slurm may also mail a time-limit warning (an `update`) before it kills the job.
      history.filter((e) => e.name !== 'update').map((e) => `${e.name}:${e.source}`),
      ['create:http', 'run:slurm', 'fail:slurm', 'reset:policy:slow', 'ready:policy:slow', 'run:slurm', 'finish:slurm'],
      'TIMEOUT → reset → ready → relaunched on Slurm → finished',
    );
    const fail = history.find((e) => e.name === 'fail');
    t.match(fail?.data, { error_subtype: 'TIMEOUT', slurm: { state: 'TIMEOUT' } }, 'the right failure');
    t.match(history.find((e) => e.name === 'reset')?.data, { rule: 0, attempt: 2, fail: fail?.id });
  },
);
