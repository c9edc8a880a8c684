import t, { type Test } from 'tap';
import { Dispatcher } from '../../../actors/dispatcher.js';
import type { LaunchRecord } from '../../../model/job.js';
import { buildNewJob } from '../../../model/new-job.js';
import type { ExitStatus, LaunchHandle, LaunchRequest, LaunchStatus, Launcher } from '../../../ports/launcher.js';
import { LaunchError } from '../../../ports/launcher.js';
import { silentLogger } from '../../../ports/logger.js';
import { PipelineCatalog } from '../../../registry/pipeline-catalog.js';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { eventually, startManagerOnFakes, type ManagerOnFakes } from '../../helpers/manager-on-fakes.js';

/** A launcher that records its calls; each launch's end is settled by the test. */
class FakeLauncher implements Launcher {
  readonly type = 'local' as const;
  readonly launched: LaunchRequest[] = [];
  readonly stopped: string[] = [];
  readonly ends = new Map<string, (status: ExitStatus) => void>();
  refuse: string | undefined;
  found: LaunchHandle | undefined;

  async launch(request: LaunchRequest): Promise<LaunchHandle> {
    if (this.refuse !== undefined) throw new LaunchError(this.refuse);
    this.launched.push(request);
    const exited = new Promise<ExitStatus>((resolve) => this.ends.set(request.uuid, resolve));
    return { ref: String(1000 + this.launched.length), exited };
  }
  async find(): Promise<LaunchHandle | undefined> {
    return this.found;
  }
  async status(): Promise<LaunchStatus> {
    return { kind: 'unknown', message: 'not asked by the dispatcher' };
  }
  async stop(ref: string): Promise<void> {
    this.stopped.push(ref);
    const uuid = this.launched[Number(ref) - 1001]?.uuid;
    if (uuid !== undefined) this.ends.get(uuid)?.({ code: 143 });
  }
}

const REGISTRY =
  'pipelines:\n  p:\n    script: run.sh\n    launcher: {type: local, concurrency: 2}\n  plain: {}\n' +
  '  with-env:\n    script: run.sh\n    env: [A]\n    launcher: {type: local}\n';

async function rig(t: Test, dispatchers = 1) {
  const fakes = await startManagerOnFakes(t, { pipelines: new PipelineCatalog(parseRegistry(REGISTRY, 'r.yaml')) });
  const launcher = new FakeLauncher();
  const started = [];
  for (let i = 0; i < dispatchers; i++) {
    const dispatcher = new Dispatcher(
      {
        bus: fakes.bus,
        store: fakes.store,
        tokens: fakes.tokens,
        logger: silentLogger,
        pipelines: new PipelineCatalog(parseRegistry(REGISTRY, 'r.yaml')),
        launchers: { local: launcher },
      },
      { id: `d${i}`, url: 'http://bridge', dataDir: '/data', graceMs: 1000, rubinLauncher: 'local', sweepMs: 50 },
    );
    await dispatcher.start();
    t.teardown(() => dispatcher.stop());
    started.push(dispatcher);
  }
  return { fakes, launcher, dispatchers: started };
}

async function create(fakes: ManagerOnFakes, pipeline: string, data: Record<string, unknown> = {}): Promise<string> {
  const reply = await fakes.ask({ name: 'create', pipeline, data });
  return reply['uuid'] as string;
}

async function stateOf(fakes: ManagerOnFakes, uuid: string, state: string): Promise<boolean> {
  return eventually(async () => (await fakes.store.get(uuid))?.state === state);
}

t.test('a created job is launched with its declared env; exit 0 → run and finish from the dispatcher', async (t) => {
  const { fakes, launcher } = await rig(t);
  const env = { A: 'b', N: 1, PATH: '/evil', LD_PRELOAD: '/evil.so', SBATCH_ACCOUNT: 'other' };
  const uuid = await create(fakes, 'with-env', { env, log_dir: '/logs/x' });
  t.ok(await eventually(() => launcher.launched.length === 1));
  t.match(launcher.launched[0], {
    uuid,
    pipeline: 'with-env',
    command: 'run.sh',
    logDir: '/logs/x',
    env: { A: 'b', PJM_URL: 'http://bridge', PJM_JOB_UUID: uuid, PJM_JOB_TOKEN: /./ },
  });
  t.same(
    Object.keys(launcher.launched[0]?.env ?? {}).sort(),
    ['A', 'PJM_JOB_TOKEN', 'PJM_JOB_UUID', 'PJM_URL'],
    'only the variables the pipeline declares are passed',
  );
  t.ok(await eventually(async () => (await fakes.store.get(uuid))?.launch?.state === 'launched'));
  t.match((await fakes.store.get(uuid))?.launch, { by: 'd0', ref: '1001', launcher: 'local' });
  launcher.ends.get(uuid)?.({ code: 0 });
  t.ok(await stateOf(fakes, uuid, 'FINISHED'));
  const history = await fakes.store.history(uuid);
  t.same(
    history.map((e) => `${e.name}:${e.source}`),
    ['create:amqp', 'run:dispatcher', 'finish:dispatcher'],
  );
  t.match(history[2]?.data, { exit_code: 0 });
});

t.test('a pipeline without a launcher is not launched; the default log dir is under the data dir', async (t) => {
  const { fakes, launcher } = await rig(t);
  await create(fakes, 'plain');
  const uuid = await create(fakes, 'p');
  t.ok(await eventually(() => launcher.launched.length === 1));
  t.equal(launcher.launched[0]?.uuid, uuid);
  t.equal(launcher.launched[0]?.logDir, '/data/logs/p');
  launcher.ends.get(uuid)?.({ code: 0 });
  t.ok(await stateOf(fakes, uuid, 'FINISHED'));
});

t.test('non-zero exit → fail with exit_code; a launch error → fail launch_failed, record failed', async (t) => {
  const { fakes, launcher } = await rig(t);
  const uuid = await create(fakes, 'p', { n: 1 });
  t.ok(await eventually(() => launcher.ends.has(uuid)));
  launcher.ends.get(uuid)?.({ code: 3 });
  t.ok(await stateOf(fakes, uuid, 'FAILED'));
  t.match((await fakes.store.history(uuid)).at(-1), { name: 'fail', data: { exit_code: 3 } });
  launcher.refuse = 'command not found: run.sh';
  const refused = await create(fakes, 'p', { n: 2 });
  t.ok(await stateOf(fakes, refused, 'FAILED'));
  t.match((await fakes.store.get(refused))?.launch, { state: 'failed', message: 'command not found: run.sh' });
  t.match((await fakes.store.history(refused)).at(-1)?.data, {
    code: 'launch_failed',
    message: 'command not found: run.sh',
  });
});

t.test('three dispatchers, 30 jobs: each launched once; at most 2 at once per dispatcher', async (t) => {
  const { fakes, launcher } = await rig(t, 3);
  const uuids = await Promise.all(Array.from({ length: 30 }, (_, i) => create(fakes, 'p', { i })));
  t.ok(await eventually(() => launcher.launched.length === 6), 'three dispatchers × two slots');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(launcher.launched.length, 6, 'the rest wait for a slot');
  for (let round = 0; round < 30 && launcher.launched.length < 30; round++) {
    for (const [uuid, end] of launcher.ends) {
      launcher.ends.delete(uuid);
      end({ code: 0 });
    }
    await eventually(() => launcher.ends.size > 0 || launcher.launched.length === 30, 1000);
  }
  for (const end of launcher.ends.values()) end({ code: 0 });
  t.equal(launcher.launched.length, 30);
  t.same(new Set(launcher.launched.map((r) => r.uuid)), new Set(uuids), 'each job once');
});

t.test('cancel stops the launch; an old intent is reconciled, found or launched', async (t) => {
  const { fakes, launcher, dispatchers } = await rig(t);
  const dispatcher = dispatchers[0] as Dispatcher;
  const uuid = await create(fakes, 'p', { c: 1 });
  t.ok(await eventually(async () => (await fakes.store.get(uuid))?.launch?.state === 'launched'));
  const token = fakes.tokens.issue(uuid, new Date());
  await fakes.ask({ name: 'cancel', uuid, token });
  t.ok(await eventually(() => launcher.stopped.includes('1001')), 'stop(ref)');

  const ghost = (at: string): LaunchRecord => ({ state: 'intent', by: 'ghost', at, launcher: 'local' });
  const old = new Date(Date.now() - 5000).toISOString();
  // A dispatcher that claimed a job and died: its intent is older than the grace period.
  launcher.found = { ref: '4242' };
  launcher.refuse = 'must not be launched again';
  const found = await fakes.store.create(
    buildNewJob({ pipeline: 'p', data: { r: 'found' } }, { now: new Date(), source: 't' }),
  );
  t.equal(await fakes.store.markLaunch(found.job.uuid, null, ghost(old)), true);
  await dispatcher.sweep();
  t.ok(
    await eventually(async () => (await fakes.store.get(found.job.uuid))?.launch?.ref === '4242', 5000),
    'found, not launched again',
  );
  t.match((await fakes.store.get(found.job.uuid))?.launch, { state: 'launched', by: 'd0', message: /ghost stopped/ });
  launcher.found = undefined;
  launcher.refuse = undefined;
  const lost = await fakes.store.create(
    buildNewJob({ pipeline: 'p', data: { r: 'lost' } }, { now: new Date(), source: 't' }),
  );
  t.equal(await fakes.store.markLaunch(lost.job.uuid, null, ghost(old)), true);
  await dispatcher.sweep();
  t.ok(await eventually(() => launcher.launched.some((r) => r.uuid === lost.job.uuid)), 'not found: launched');
  launcher.ends.get(lost.job.uuid)?.({ code: 0 });
  t.ok(await stateOf(fakes, lost.job.uuid, 'FINISHED'));
});

t.test('stop returns while a launched script still runs (it is left running)', async (t) => {
  const { fakes, launcher, dispatchers } = await rig(t);
  await create(fakes, 'p', { s: 1 });
  t.ok(await eventually(() => launcher.launched.length === 1));
  const stopped = await Promise.race([
    (dispatchers[0] as Dispatcher).stop().then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), 2000)),
  ]);
  t.equal(stopped, true);
  t.same(launcher.stopped, [], 'the script is not stopped');
});
