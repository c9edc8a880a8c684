import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { jobsApi, until } from '../helpers/launch-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { servicesRequired } from '../helpers/services.js';
import { haveSlurm, startSlurmReportingTo } from '../helpers/slurm.js';

const run = promisify(execFile);
const missing = haveSlurm();
if (missing !== undefined && servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${missing}`);

t.test(
  'the slurm launcher on a real Slurm: sbatch with the tracking comment, MailProg reports, scancel, launch_failed',
  { skip: missing ?? false, timeout: 240_000 },
  async (t) => {
    const logs = mkdtempSync(join(tmpdir(), 'pjm-slurm-launch-logs-'));
    const registry = join(mkdtempSync(join(tmpdir(), 'pjm-slurm-launch-')), 'pipelines.yaml');
    writeFileSync(
      registry,
      [
        'pipelines:',
        '  quick:',
        '    script: echo "slurm job of $PJM_JOB_UUID"; sleep 1',
        `    launcher: {type: slurm, log_dir: ${logs}}`,
        '  exits:',
        '    script: exit 3',
        `    launcher: {type: slurm, log_dir: ${logs}}`,
        '  later:',
        '    script: sleep 30',
        `    launcher: {type: slurm, log_dir: ${logs}, sbatch: ["--begin=now+120"]}`,
        '  refused:',
        '    script: sleep 1',
        `    launcher: {type: slurm, log_dir: ${logs}, sbatch: ["--partition=no-such-partition"]}`,
        '  absent:',
        '    script: /no/such/command --now',
        '    launcher: {type: slurm}',
        '',
      ].join('\n'),
    );
    const { url } = await startPjmService(t, 'serve', { PJM_PIPELINES: registry });
    await startSlurmReportingTo(url);
    const api = jobsApi(url);

    const quick = await api.create('quick', {});
    const exits = await api.create('exits', {});
    const later = await api.create('later', {});
    const refused = await api.create('refused', {});
    const absent = await api.create('absent', {});

    const finished = await api.stateIs(quick.uuid, 'FINISHED', 90_000);
    t.match(finished.launch, { state: 'launched', launcher: 'slurm', ref: /^\d+$/ });
    t.same(
      (await api.history(quick.uuid)).map((e) => `${e.name}:${e.source}`),
      ['create:http', 'run:slurm', 'finish:slurm'],
      'Slurm reported through MailProg, wired by the comment the dispatcher gave sbatch',
    );
    await until('the Slurm output file', 10_000, async () => existsSync(join(logs, `${quick.uuid}.out`)) || undefined);
    t.pass('the output file is in log_dir');
    await api.stateIs(exits.uuid, 'FAILED', 90_000);

    const pending = await until('the later job launched', 30_000, async () => {
      const job = await api.job(later.uuid);
      return job.launch?.state === 'launched' ? job : undefined;
    });
    t.equal(await api.send(later.uuid, later.token, 'cancel'), 200);
    await api.stateIs(later.uuid, 'CANCELLED');
    const ref = pending.launch?.ref ?? '';
    await until('scancel', 30_000, async () => {
      const { stdout } = await run('scontrol', ['show', 'job', ref]);
      return /JobState=CANCELLED/.test(stdout) ? true : undefined;
    });
    t.pass(`cancel → scancel ${ref}`);

    t.match((await api.stateIs(refused.uuid, 'FAILED')).launch, { state: 'failed', message: /sbatch refused/ });
    t.match((await api.history(refused.uuid)).at(-1)?.data, { code: 'launch_failed', launcher: 'slurm' });
    t.match((await api.stateIs(absent.uuid, 'FAILED')).launch, { state: 'failed', message: /\/no\/such\/command/ });
  },
);
