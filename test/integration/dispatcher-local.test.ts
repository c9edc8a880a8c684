import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { jobsApi, scriptsDir, until } from '../helpers/launch-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';

const REPORT = 'curl -sf -X POST "$PJM_URL/events?uuid=$PJM_JOB_UUID&token=$PJM_JOB_TOKEN&event=$1&wait=1" > /dev/null';

t.test('pjm serve launches local scripts: progress by curl, finish, exit codes, cancel, launch_failed', async (t) => {
  const scripts = scriptsDir({
    'ok.sh': `report() { ${REPORT}; }\nreport run\necho "hello from $PJM_JOB_UUID with $GREETING"\necho oops >&2`,
    'exit.sh': 'echo "exiting with $CODE"; exit "$CODE"',
    'sleep.sh': 'echo $$ > "$PID_FILE"; sleep 60',
  });
  const logs = mkdtempSync(join(tmpdir(), 'pjm-launch-logs-'));
  const registry = join(scripts, 'pipelines.yaml');
  writeFileSync(
    registry,
    [
      'pipelines:',
      '  ok:',
      `    script: ${join(scripts, 'ok.sh')}`,
      '    env: [GREETING]',
      `    launcher: {type: local, log_dir: ${logs}}`,
      '  exits:',
      `    script: ${join(scripts, 'exit.sh')}`,
      '    env: [CODE]',
      '    launcher: {type: local, concurrency: 1}',
      '  sleeps:',
      `    script: ${join(scripts, 'sleep.sh')}`,
      '    env: [PID_FILE]',
      '    launcher: {type: local}',
      '  missing:',
      `    script: ${join(scripts, 'absent.sh')} --flag`,
      '    launcher: {type: local}',
      '  tracked: {}',
      '',
    ].join('\n'),
  );
  const { url } = await startPjmService(t, 'serve', {
    PJM_PIPELINES: registry,
    PJM_DISPATCHER_ID: 'serve-it',
  });
  const api = jobsApi(url);

  const ok = await api.create('ok', { env: { GREETING: 'hi' } });
  const done = await api.stateIs(ok.uuid, 'FINISHED');
  t.match(done.launch, { state: 'launched', by: 'serve-it', launcher: 'local', ref: /^\d+$/ });
  const okHistory = await api.history(ok.uuid);
  t.same(
    okHistory.map((e) => `${e.name}:${e.source}`),
    ['create:http', 'run:http', 'finish:dispatcher'],
    'the script reported run with curl; the dispatcher reported the end',
  );
  t.match(okHistory[2]?.data, { exit_code: 0, launcher: 'local' });
  t.equal(readFileSync(join(logs, `${ok.uuid}.out`), 'utf8'), `hello from ${ok.uuid} with hi\n`, 'stdout log');
  t.equal(readFileSync(join(logs, `${ok.uuid}.err`), 'utf8'), 'oops\n', 'stderr log');

  const [three, zero] = await Promise.all([
    api.create('exits', { env: { CODE: '3' } }),
    api.create('exits', { env: { CODE: '0' } }),
  ]);
  await api.stateIs(three.uuid, 'FAILED');
  const failed = await api.history(three.uuid);
  t.match(failed.at(-1), { name: 'fail', source: 'dispatcher', data: { exit_code: 3 } }, 'exit 3 fails the job');
  await api.stateIs(zero.uuid, 'FINISHED');
  t.same(
    (await api.history(zero.uuid)).map((e) => `${e.name}:${e.source}`),
    ['create:http', 'run:dispatcher', 'finish:dispatcher'],
    'a script that reports nothing gets a run and a finish from the dispatcher',
  );

  const pidFile = join(scripts, 'sleep.pid');
  const sleeper = await api.create('sleeps', { env: { PID_FILE: pidFile } });
  const pid = await until('the sleeping script', 20_000, async () =>
    existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined,
  );
  t.equal(await api.send(sleeper.uuid, sleeper.token, 'cancel'), 200, 'cancel is applied');
  await api.stateIs(sleeper.uuid, 'CANCELLED');
  await until('the script killed', 10_000, async () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
  t.pass('cancel killed the script');
  await sleep(500);
  t.equal((await api.job(sleeper.uuid)).state, 'CANCELLED', 'and reported nothing after');

  const missing = await api.create('missing', {});
  const refused = await api.stateIs(missing.uuid, 'FAILED');
  t.match(refused.launch, { state: 'failed', message: /command not found.*absent\.sh/ });
  t.match((await api.history(missing.uuid)).at(-1), {
    name: 'fail',
    source: 'dispatcher',
    data: { code: 'launch_failed', message: /absent\.sh/, launcher: 'local' },
  });

  const tracked = await api.create('tracked', {});
  await sleep(300);
  t.match(await api.job(tracked.uuid), { state: 'CREATED' }, 'a pipeline without a launcher is only tracked');
  t.notOk((await api.job(tracked.uuid)).launch);
});
