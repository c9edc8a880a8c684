import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import t from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { servicesRequired } from '../helpers/services.js';
import { haveSlurm, startSlurmReportingTo } from '../helpers/slurm.js';
import { freePort } from '../helpers/free-port.js';

const run = promisify(execFile);

async function http<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

interface Created {
  uuid: string;
  callbacks: { slurm: { sbatch: string[] } };
}

interface History {
  state: string;
  history: Array<{ name: string; source: string; data: Record<string, unknown> | null }>;
}

const missing = haveSlurm();
if (missing !== undefined && servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${missing}`);

t.test(
  'a real Slurm reports through pjm slurm-mail: success, exit 3, scancel, a grace period and arrays',
  { skip: missing ?? false, timeout: 240_000 },
  async (t) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'pjm-slurm-serve-'));
    const serve = spawnPjm(['serve'], {
      PJM_DATA_DIR: dataDir,
      PJM_HTTP_PORT: String(port),
      PJM_LOG_LEVEL: 'warn',
      PJM_SECRET: 'slurm-test-secret-0123456789',
    });
    t.teardown(async () => {
      serve.kill('SIGTERM');
      await exited(serve);
    });

    const started = await startSlurmReportingTo(base);
    t.comment(started);

    await until(
      'pjm serve',
      30_000,
      async () =>
        (await fetch(`${base}/healthz`)
          .then((r) => r.ok)
          .catch(() => false)) || undefined,
    );
    const create = async (name: string): Promise<Created> => {
      const res = await http<Created>(`${base}/jobs?wait=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pipeline: 'slurm-it', data: { name, run: dataDir } }),
      });
      if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const work = mkdtempSync(join(tmpdir(), 'pjm-slurm-work-'));
    const sbatch = async (job: Created, script: string, ...options: string[]): Promise<string> => {
      // sbatch takes the last of a repeated option: `options` override the answered ones.
      const { stdout } = await run('sbatch', [
        '--parsable',
        `--chdir=${work}`,
        '--output=/dev/null',
        '--mail-user=pipeline',
        ...job.callbacks.slurm.sbatch,
        ...options,
        '--wrap',
        script,
      ]);
      return stdout.trim().split(';')[0] ?? '';
    };
    const jobState = async (uuid: string) => (await http<History>(`${base}/jobs/${uuid}/history`)).body;

    const ok = await create('ok');
    const three = await create('exit-3');
    const cancelled = await create('cancelled');
    const grace = await create('grace');
    const array = await create('array');
    const arrayTasks = await create('array-tasks');
    t.ok(
      ok.callbacks.slurm.sbatch.some((o) => o.startsWith(`--comment=pjm:${ok.uuid}:`)),
      'POST /jobs answers the sbatch options',
    );
    // A time limit is counted in minutes; the grace job's is cut to a few seconds once it runs.
    // slurmctld checks limits every 30 s: "Reached time limit" comes within 35 s, and the job ends
    // at 45 s, inside its partition's OverTimeLimit of one minute.
    const graceId = await sbatch(grace, 'sleep 45', '--partition=grace', '--time=10');
    await sbatch(ok, 'sleep 1');
    await sbatch(three, 'exit 3');
    const longId = await sbatch(cancelled, 'sleep 120');
    const failTask1 = 'sleep 1; [ "$SLURM_ARRAY_TASK_ID" != 1 ] || exit 3';
    await sbatch(array, 'sleep 1', '--array=0-2');
    await sbatch(arrayTasks, failTask1, '--array=0-2', '--mail-type=BEGIN,END,FAIL,ARRAY_TASKS');

    await until('the grace job RUNNING in the tracker', 60_000, async () =>
      (await jobState(grace.uuid)).state === 'RUNNING' ? true : undefined,
    );
    await run('scontrol', ['update', `JobId=${graceId}`, 'EndTime=now+2']);
    await until('the long job RUNNING in the tracker', 60_000, async () =>
      (await jobState(cancelled.uuid)).state === 'RUNNING' ? true : undefined,
    );
    await run('scancel', [longId]);

    const final = async (uuid: string, state: string) =>
      until(`${uuid} ${state}`, 90_000, async () => {
        const h = await jobState(uuid);
        return h.state === state ? h : undefined;
      });
    const okHistory = await final(ok.uuid, 'FINISHED');
    const threeHistory = await final(three.uuid, 'FAILED');
    const cancelledHistory = await final(cancelled.uuid, 'FAILED');
    const arrayHistory = await final(array.uuid, 'FINISHED');
    const arrayTasksHistory = await final(arrayTasks.uuid, 'FAILED');
    const graceHistory = await final(grace.uuid, 'FINISHED');

    t.same(
      okHistory.history.map((h) => h.name),
      ['create', 'run', 'finish'],
      'success: run then finish',
    );
    t.same(
      threeHistory.history.map((h) => h.name),
      ['create', 'run', 'fail'],
      'exit 3: run then fail',
    );
    t.match(threeHistory.history[2]?.data, { slurm: { state: 'FAILED', exitCode: 3 }, reason: /FAILED/ });
    t.same(
      cancelledHistory.history.map((h) => h.name),
      ['create', 'run', 'fail'],
      'scancel while running: run then fail',
    );
    t.match(cancelledHistory.history[2]?.data, {
      reason: 'Slurm job was cancelled',
      slurm: { state: 'CANCELLED', kind: 'ended' },
      env: { SLURM_JOB_STATE: 'CANCELLED' },
    });
    for (const h of [okHistory, threeHistory, cancelledHistory])
      t.same(
        h.history.slice(1).map((e) => e.source),
        ['slurm', 'slurm'],
      );

    t.same(
      arrayHistory.history.map((h) => h.name),
      ['create', 'run', 'finish'],
      'an array without ARRAY_TASKS: its summary mails',
    );
    t.match(arrayHistory.history[2]?.data, { slurm: { array: 'summary', state: 'COMPLETED' } });
    // A task's end mail that reaches the bridge after the array's end is a refused update, so
    // only the last task's update is certain to be there; the end counts every task.
    const taskEvents = arrayTasksHistory.history.map((h) => h.name);
    const taskUpdates = arrayTasksHistory.history.filter((h) => h.name === 'update').map((h) => h.data?.['slurm']);
    t.ok(
      taskUpdates.length >= 1 &&
        taskUpdates.every((u) => typeof u === 'object' && u !== null && (u as { array?: string }).array === 'task'),
      'ARRAY_TASKS: task ends are updates',
    );
    t.equal(taskEvents.at(-1), 'fail', 'and the array ends once, when its last task has');
    t.equal(taskEvents.filter((n) => n === 'fail' || n === 'finish').length, 1);
    t.match(arrayTasksHistory.history.at(-1)?.data, {
      slurm: { array: 'summary', tasks: 3, states: { COMPLETED: 2, FAILED: 1 } },
      reason: /^task 1 of Slurm job array \d+ did not complete$/,
    });

    const warnings = graceHistory.history
      .filter((h) => h.name === 'update')
      .map((h) => h.data?.['slurm'] as { kind?: string; timeLimitPercent?: number } | undefined);
    t.ok(
      warnings.length > 0 && warnings.every((w) => w?.kind === 'time_limit'),
      'grace period: the time-limit warnings are updates',
    );
    t.ok(
      warnings.some((w) => w?.timeLimitPercent === 100),
      '"Reached time limit" among them',
    );
    t.match(
      graceHistory.history.at(-1),
      { name: 'finish', data: { slurm: { state: 'COMPLETED' } } },
      'and the job finishes inside the grace period',
    );

    const stored = JSON.stringify([
      okHistory,
      threeHistory,
      cancelledHistory,
      arrayHistory,
      arrayTasksHistory,
      graceHistory,
    ]);
    t.notOk(/pjm:[0-9a-f-]{36}:[0-9a-z]+\./.test(stored), 'no token from the Slurm comment is kept in the history');
  },
);
