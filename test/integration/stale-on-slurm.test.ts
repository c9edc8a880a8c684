import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { jobsApi, until } from '../helpers/launch-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { servicesRequired } from '../helpers/services.js';
import { haveSlurm, startSlurmReportingTo } from '../helpers/slurm.js';

const missing = haveSlurm();
if (missing !== undefined && servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${missing}`);

const TIMEOUT_S = 4;
const PERIOD_S = 1;

/** Sends `signal` to every process named `name` (pkill's exit 1, none found, is fine). */
function signalAll(name: string, signal: 'STOP' | 'CONT'): void {
  try {
    execFileSync('pkill', [`-${signal}`, '-x', name]);
  } catch (err) {
    if ((err as { status?: number }).status !== 1) throw err;
  }
}

function slurmState(ref: string): string {
  const shown = execFileSync('scontrol', ['show', 'job', ref], { encoding: 'utf8' });
  return /JobState=(\S+)/.exec(shown)?.[1] ?? 'unknown';
}

t.test(
  'real Slurm: a job whose node goes silent (daemons frozen, the script SIGKILLed) is flagged stale in time',
  { skip: missing ?? false, timeout: 240_000 },
  async (t) => {
    const logs = mkdtempSync(join(tmpdir(), 'pjm-stale-slurm-logs-'));
    // World-writable: the batch script runs as whichever user Slurm gives it, and writes its pid here.
    const pids = mkdtempSync(join(tmpdir(), 'pjm-stale-slurm-pids-'));
    chmodSync(pids, 0o777);
    const registry = join(mkdtempSync(join(tmpdir(), 'pjm-stale-slurm-')), 'pipelines.yaml');
    writeFileSync(
      registry,
      [
        'pipelines:',
        '  hangs:',
        `    script: 'echo $$ > ${pids}/$PJM_JOB_UUID; exec sleep 600'`,
        `    launcher: {type: slurm, log_dir: ${logs}}`,
        `    heartbeat: {timeout: ${TIMEOUT_S}s}`,
        '',
      ].join('\n'),
    );
    const { url } = await startPjmService(t, 'serve', {
      PJM_PIPELINES: registry,
      PJM_REAPER_PERIOD_SECONDS: String(PERIOD_S),
    });
    await startSlurmReportingTo(url);
    const api = jobsApi(url);
    const job = await api.create('hangs', {});
    await api.stateIs(job.uuid, 'RUNNING', 120_000);
    const pid = await until('the script', 30_000, async () => {
      try {
        return Number(readFileSync(join(pids, job.uuid), 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    });
    const ref = String((await api.job(job.uuid)).launch?.ref);
    t.equal(slurmState(ref), 'RUNNING');

    // The node goes silent: its daemons can neither notice nor report anything, and the script dies.
    signalAll('slurmd', 'STOP');
    signalAll('slurmstepd', 'STOP');
    t.teardown(() => {
      execFileSync('scancel', [ref]);
      signalAll('slurmstepd', 'CONT');
      signalAll('slurmd', 'CONT');
    });
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();

    const flagged = await until('the stale flag', 60_000, async () => {
      const current = (await api.job(job.uuid)) as unknown as {
        state: string;
        stale?: { since: string; until: string };
      };
      return current.stale !== undefined ? current : undefined;
    });
    const since = Date.parse(flagged.stale?.since ?? '');
    const lease = Date.parse(flagged.stale?.until ?? '');
    t.equal(flagged.state, 'RUNNING', 'a flag, not a state change');
    t.equal(slurmState(ref), 'RUNNING', 'Slurm still says RUNNING: nothing to reconcile it with');
    // The reaper's check asks Slurm (scontrol) first: a second of slack for that on a busy machine.
    t.ok(
      since - killedAt <= (TIMEOUT_S + PERIOD_S + 1) * 1000,
      `flagged ${since - killedAt} ms after the kill (timeout ${TIMEOUT_S} s + period ${PERIOD_S} s)`,
    );
    t.ok(since - lease <= (PERIOD_S + 1) * 1000, `within a period of the lease's end (${since - lease} ms)`);
    t.comment(`lease ended ${lease - killedAt} ms after the kill, stale ${since - killedAt} ms after it`);
    const history = await api.history(job.uuid);
    t.same(
      history.filter((e) => e.name !== 'update').map((e) => `${e.name}:${e.source}`),
      ['create:http', 'run:slurm', 'stale:reaper'],
      'one mark, by the reaper',
    );
    t.match(history.at(-1)?.data, { launch: { launcher: 'slurm', ref, status: 'active' } });
  },
);
