import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { jobsApi, scriptsDir, until } from '../helpers/launch-rig.js';
import { serviceUrl } from '../helpers/pjm-service.js';

const TIMEOUT_S = 4;
const PERIOD_S = 1;
const REPORT = 'curl -sf -X POST "$PJM_URL/events?uuid=$PJM_JOB_UUID&token=$PJM_JOB_TOKEN&event=$1&wait=1" > /dev/null';

/** Starts `pjm serve` on `dir` and resolves with the child and its URL once /healthz answers. */
async function serve(dir: string, env: Record<string, string>) {
  const child = spawnPjm(['serve'], { PJM_DATA_DIR: dir, PJM_HTTP_PORT: '0', ...env });
  return { child, url: await serviceUrl(child, 'serve') };
}

t.test('a launched job whose node dies (dispatcher and script SIGKILLed) is flagged stale in time', async (t) => {
  const scripts = scriptsDir({
    'hang.sh': `${REPORT.replace('$1', 'run')}\n${REPORT.replace('$1', 'heartbeat')}\nsleep 600`,
  });
  const registry = join(scripts, 'pipelines.yaml');
  writeFileSync(
    registry,
    `pipelines:\n  hangs:\n    script: ${join(scripts, 'hang.sh')}\n    launcher: {type: local}\n` +
      `    heartbeat: {timeout: ${TIMEOUT_S}s}\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'pjm-stale-'));
  const env = { PJM_PIPELINES: registry, PJM_REAPER_PERIOD_SECONDS: String(PERIOD_S) };
  let running = await serve(dir, { ...env, PJM_DISPATCHER_ID: 'node-a' });
  t.teardown(async () => {
    running.child.kill('SIGKILL');
    await exited(running.child);
    rmSync(dir, { recursive: true, force: true });
    rmSync(scripts, { recursive: true, force: true });
  });
  let api = jobsApi(running.url);
  const job = await api.create('hangs', {});
  await api.stateIs(job.uuid, 'RUNNING');
  const beat = await until('the first heartbeat', 20_000, async () => {
    const history = await api.history(job.uuid);
    return history.some((e) => e.name === 'heartbeat') ? history : undefined;
  });
  t.same(
    beat.map((e) => e.name),
    ['create', 'run', 'heartbeat'],
    'the script ran and beat once',
  );
  const launched = await api.job(job.uuid);
  t.match(launched.launch, { state: 'launched', launcher: 'local', ref: /^\d+$/ });

  // The node dies: the dispatcher that watched the script and the script itself, with no word.
  running.child.kill('SIGKILL');
  await exited(running.child);
  process.kill(-Number(launched.launch?.ref), 'SIGKILL');
  const killedAt = Date.now();
  // The survivor (another node's pjm serve, whose dispatcher does not adopt node-a's launch) reaps.
  running = await serve(dir, { ...env, PJM_DISPATCHER_ID: 'node-b' });
  const readyAt = Date.now();
  api = jobsApi(running.url);

  const flagged = await until('the stale flag', 30_000, async () => {
    const current = (await api.job(job.uuid)) as unknown as { state: string; stale?: { since: string; until: string } };
    return current.stale !== undefined ? current : undefined;
  });
  const lease = Date.parse(flagged.stale?.until ?? '');
  const since = Date.parse(flagged.stale?.since ?? '');
  t.equal(flagged.state, 'RUNNING', 'a flag, not a state change');
  // Within one period of the moment a reaper could see the expiry (the restart takes seconds under tsx).
  const visible = Math.max(lease, readyAt);
  t.ok(
    since - visible <= PERIOD_S * 1000 + 1500,
    `flagged ${since - visible} ms after the expiry was visible to a reaper (period ${PERIOD_S} s)`,
  );
  t.ok(lease - killedAt <= TIMEOUT_S * 1000, 'the lease was the one renewed before the death');
  t.comment(
    `lease ended ${lease - killedAt} ms after the kill, survivor ready ${readyAt - killedAt} ms, ` +
      `stale ${since - killedAt} ms (timeout ${TIMEOUT_S} s, period ${PERIOD_S} s)`,
  );
  const history = await api.history(job.uuid);
  t.same(
    history.map((e) => e.name),
    ['create', 'run', 'heartbeat', 'stale'],
    'one mark',
  );
  t.match(history[3], { source: 'reaper', data: { launch: { launcher: 'local', status: 'gone' } } });
  const listed = (await (await fetch(`${running.url}/jobs?stale=true`)).json()) as { jobs: Array<{ uuid: string }> };
  t.same(
    listed.jobs.map((j) => j.uuid),
    [job.uuid],
    'GET /jobs?stale=true lists it',
  );
  const metrics = await (await fetch(`${running.url}/metrics`)).text();
  t.match(metrics, /pjm_stale_jobs\{pipeline="hangs"\} 1/, 'the gauge counts it');

  t.equal(await api.send(job.uuid, job.token, 'fail'), 200, 'an operator-free event from the job still applies');
  const after = (await api.job(job.uuid)) as unknown as { state: string; stale?: unknown };
  t.equal(after.state, 'FAILED');
  t.equal(after.stale, undefined, 'the next event cleared the flag');
});
