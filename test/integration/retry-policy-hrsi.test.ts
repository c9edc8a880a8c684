import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { main } from '../../cli/main.js';
import { capture } from '../helpers/capture.js';
import { jobsApi, scriptsDir } from '../helpers/launch-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';

/** HR-S&I's worker (seed-systems.md §4.2): exit 2 asks for a retry; here it fails twice, then succeeds. */
const FLAKY =
  'f="$STATE_DIR/$PJM_JOB_UUID"; n=$(( $(cat "$f" 2>/dev/null || echo 0) + 1 )); echo $n > "$f"\n' +
  '[ "$n" -le 2 ] && exit 2\nexit 0';

t.test(
  'HR-S&I: exit 2 is retried up to max_attempts, 10-49 never; each retry is reset → ready → relaunch',
  async (t) => {
    const scripts = scriptsDir({ 'flaky.sh': FLAKY, 'exit.sh': 'exit "$CODE"' });
    const state = mkdtempSync(join(tmpdir(), 'pjm-retries-state-'));
    const registry = join(scripts, 'pipelines.yaml');
    const retry = [
      '    retry:',
      '      max_attempts: 3',
      '      rules:',
      '        - {exit_codes: [2, "100-199"]}',
      '        - {exit_codes: ["10-49"], retry: false}',
    ];
    writeFileSync(
      registry,
      [
        'pipelines:',
        '  hrsi:',
        `    script: ${join(scripts, 'flaky.sh')}`,
        '    env: [STATE_DIR]',
        '    launcher: {type: local}',
        ...retry,
        '  exits:',
        `    script: ${join(scripts, 'exit.sh')}`,
        '    env: [CODE]',
        '    launcher: {type: local}',
        ...retry,
        '',
      ].join('\n'),
    );
    const { url } = await startPjmService(t, 'serve', { PJM_PIPELINES: registry, PJM_DISPATCHER_ID: 'retries-it' });
    const api = jobsApi(url);
    const steps = async (uuid: string): Promise<string[]> =>
      (await api.history(uuid)).map((e) => `${e.name}:${e.source}`);

    const [flaky, always, never] = await Promise.all([
      api.create('hrsi', { env: { STATE_DIR: state } }),
      api.create('exits', { env: { CODE: '2' } }),
      api.create('exits', { env: { CODE: '13' } }),
    ]);

    const done = await api.stateIs(flaky.uuid, 'FINISHED', 30_000);
    t.match(done, { attempts: 3, launch: { state: 'launched', attempt: 3 } }, 'finished at the third attempt');
    const retried = (pipeline: string): string[] => [
      'fail:dispatcher',
      `reset:policy:${pipeline}`,
      `ready:policy:${pipeline}`,
    ];
    t.same(
      await steps(flaky.uuid),
      ['create:http', ...retried('hrsi'), ...retried('hrsi'), 'run:dispatcher', 'finish:dispatcher'],
      'fail → policy reset → ready, twice, then the third run finishes',
    );
    t.equal(readFileSync(join(state, flaky.uuid), 'utf8'), '3\n', 'the script was launched three times');
    const history = await api.history(flaky.uuid);
    t.match(
      history.filter((e) => e.name === 'reset').map((e) => e.data),
      [
        { rule: 0, attempt: 2 },
        { rule: 0, attempt: 3 },
      ],
      'each reset names the rule that matched and the attempt it starts',
    );

    await api.stateIs(always.uuid, 'FAILED', 30_000);
    const exhausted = await until(always.uuid);
    t.same(
      exhausted,
      ['create:http', ...retried('exits'), ...retried('exits'), 'fail:dispatcher', 'retries_exhausted:policy:exits'],
      'a job that always exits 2 stays FAILED after max_attempts, with a retries_exhausted note',
    );
    t.match(
      await api.job(always.uuid),
      { state: 'FAILED', attempts: 3, retriesExhausted: String },
      'GET /jobs/:uuid shows the mark',
    );

    await api.stateIs(never.uuid, 'FAILED', 30_000);
    await sleep(1000);
    t.same(await steps(never.uuid), ['create:http', 'fail:dispatcher'], 'exit 13 is never retried');
    t.notOk((await api.job(never.uuid)).attempts);

    const log = (await (await fetch(`${url}/jobs/${always.uuid}/status-changes`)).json()) as Record<string, unknown>;
    const failed = { state: 'FAILED', event: 'fail', error: true, exitCode: 2 };
    t.match(
      log,
      {
        attempts: 3,
        statusChanges: [
          { state: 'CREATED', event: 'create', error: false, attempt: 1 },
          { ...failed, attempt: 1 },
          { state: 'RESET', event: 'reset', source: 'policy:exits', attempt: 1 },
          { state: 'CREATED', event: 'ready', attempt: 2 },
          { ...failed, attempt: 2 },
          { state: 'RESET', attempt: 2 },
          { state: 'CREATED', attempt: 3 },
          { ...failed, attempt: 3 },
          { state: 'FAILED', event: 'retries_exhausted', error: false, attempt: 3 },
        ],
      },
      'the status-change log: state, error, exit code and attempt per entry',
    );
    t.equal((log['statusChanges'] as unknown[]).length, 9);

    const errored = (await (await fetch(`${url}/jobs?error=true`)).json()) as { jobs: Array<{ uuid: string }> };
    t.same(
      errored.jobs.map((j) => j.uuid).sort(),
      [always.uuid, never.uuid].sort(),
      'error=true: the jobs whose last change raised an error',
    );
    const fine = (await (await fetch(`${url}/jobs?error=false`)).json()) as { jobs: Array<{ uuid: string }> };
    t.same(
      fine.jobs.map((j) => j.uuid),
      [flaky.uuid],
    );

    const pjm = async (args: string[]): Promise<string> => {
      const out = capture();
      const err = capture();
      const code = await main(args, {
        stdout: out.stream,
        stderr: err.stream,
        env: { PJM_URL: url, PJM_PIPELINES: registry },
      });
      t.equal(code, 0, `pjm ${args.join(' ')}: ${err.text()}`);
      return out.text();
    };
    const table = (await pjm(['history', always.uuid, '--status-changes'])).trim().split('\n');
    t.match(table[0], /^TIME\s+STATE\s+PHASE\s+EVENT\s+ATTEMPT\s+ERROR SUBTYPE\s+ERROR MESSAGE/);
    t.match(table.at(-1), /FAILED\s+retries_exhausted\s+3/);
    t.match(table[2], /FAILED\s+fail\s+1\s+exit 2/);
    t.same(
      (await pjm(['ls', '--error', '--json']))
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { uuid: string }).uuid)
        .sort(),
      [always.uuid, never.uuid].sort(),
      'pjm ls --error',
    );

    const policy = {
      max_attempts: 3,
      rules: [{ exit_codes: [2, '100-199'] }, { exit_codes: ['10-49'], retry: false }],
    };
    t.match(await (await fetch(`${url}/pipelines/hrsi`)).json(), { retry: policy }, 'GET /pipelines/:name shows it');
    t.match(JSON.parse(await pjm(['pipelines', 'show', 'hrsi'])), { retry: policy }, 'and pjm pipelines show');

    /** The history once the policy has written its note. */
    async function until(uuid: string): Promise<string[]> {
      for (let i = 0; i < 100; i++) {
        const names = await steps(uuid);
        if (names.at(-1)?.startsWith('retries_exhausted')) return names;
        await sleep(100);
      }
      return steps(uuid);
    }
  },
);
