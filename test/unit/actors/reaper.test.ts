import t, { type Test } from 'tap';
import { Reaper } from '../../../actors/reaper.js';
import type { JobDocument } from '../../../model/job.js';
import type { LaunchHandle, LaunchStatus, Launcher } from '../../../ports/launcher.js';
import { silentLogger } from '../../../ports/logger.js';
import { PipelineCatalog } from '../../../registry/pipeline-catalog.js';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { eventually, startManagerOnFakes, type ManagerOnFakes } from '../../helpers/manager-on-fakes.js';

const REGISTRY = 'pipelines:\n  hb:\n    heartbeat: {timeout: 60s}\n  plain: {}\n';
const T0 = Date.parse('2026-05-01T12:00:00.000Z');

/** A Slurm launcher whose scheduler answers what the test sets. */
class ScriptedSlurm implements Launcher {
  readonly type = 'slurm' as const;
  answer: LaunchStatus = { kind: 'unknown', message: 'not set' };
  readonly asked: string[] = [];
  async launch(): Promise<LaunchHandle> {
    throw new Error('the reaper never launches');
  }
  async find(): Promise<LaunchHandle | undefined> {
    return undefined;
  }
  async stop(): Promise<void> {}
  async status(ref: string): Promise<LaunchStatus> {
    this.asked.push(ref);
    return this.answer;
  }
}

async function rig(t: Test) {
  let now = T0;
  const clock = () => new Date(now);
  const fakes = await startManagerOnFakes(t, {
    clock,
    pipelines: new PipelineCatalog(parseRegistry(REGISTRY, 'r.yaml')),
  });
  const slurm = new ScriptedSlurm();
  const reaper = () =>
    new Reaper(
      { bus: fakes.bus, store: fakes.store, tokens: fakes.tokens, logger: silentLogger, launchers: { slurm }, clock },
      { periodMs: 60_000 },
    );
  return { fakes, slurm, reaper, advance: (ms: number) => (now += ms), clock };
}

async function runningJob(fakes: ManagerOnFakes, pipeline: string, clock: () => Date): Promise<JobDocument> {
  const created = await fakes.ask({ name: 'create', pipeline, data: { n: Math.random() } });
  const uuid = String(created['uuid']);
  await fakes.ask({ name: 'run', uuid, token: fakes.tokens.issue(uuid, clock()) });
  return (await fakes.store.get(uuid)) as JobDocument;
}

function send(fakes: ManagerOnFakes, uuid: string, name: string, clock: () => Date) {
  return fakes.ask({ name, uuid, token: fakes.tokens.issue(uuid, clock()) });
}

t.test('a silent job is marked stale once by two reapers; a beat defers it; the next event clears it', async (t) => {
  const { fakes, reaper, advance, clock } = await rig(t);
  const job = await runningJob(fakes, 'hb', clock);
  const untracked = await runningJob(fakes, 'plain', clock);
  t.equal(job.heartbeat?.until, '2026-05-01T12:01:00.000Z', 'the registry timeout leases the job');
  t.equal(untracked.heartbeat, undefined, 'no timeout, no lease');
  const [one, two] = [reaper(), reaper()];
  advance(50_000);
  t.equal(await one.sweep(), 0, 'not expired yet');
  t.match(await send(fakes, job.uuid, 'heartbeat', clock), { outcome: 'applied' }, 'the first beat is recorded');
  advance(50_000);
  t.equal(await one.sweep(), 0, 'the beat renewed the lease');
  t.match(await send(fakes, job.uuid, 'heartbeat', clock), { outcome: 'duplicate', version: 3 }, 'later beats count');
  advance(61_000);
  const [a, b] = await Promise.all([one.sweep(), two.sweep()]);
  t.same([a, b], [1, 1], 'both reapers see the expiry and publish its mark');
  t.ok(await eventually(async () => (await fakes.store.get(job.uuid))?.stale !== undefined), 'flagged');
  await eventually(async () => (await fakes.counted('rejected')) + (await fakes.counted('duplicate')) >= 2);
  const history = await fakes.store.history(job.uuid);
  t.same(
    history.map((e) => e.name),
    ['create', 'run', 'heartbeat', 'stale'],
    'one mark for one expiry',
  );
  t.match(history[3], { source: 'reaper', state: 'RUNNING', data: { until: '2026-05-01T12:02:40.000Z' } });
  t.match(await fakes.store.get(job.uuid), {
    state: 'RUNNING',
    lastEvent: 'run',
    stale: { since: '2026-05-01T12:02:41.000Z', until: '2026-05-01T12:02:40.000Z' },
    heartbeat: { count: 2 },
  });
  const notified = () => fakes.notifications.some((n) => n.uuid === job.uuid && n.event === 'stale');
  t.ok(await eventually(notified), 'a state notification names the mark');
  t.same(
    (await fakes.store.list({ stale: true })).jobs.map((j) => j.uuid),
    [job.uuid],
  );
  advance(60_000);
  t.equal(await one.sweep(), 0, 'a flagged job is not marked again');
  t.match(await send(fakes, job.uuid, 'update', clock), { outcome: 'applied' });
  const cleared = await fakes.store.get(job.uuid);
  t.equal(cleared?.stale, undefined, 'the next event clears the flag');
  t.equal(cleared?.heartbeat?.until, new Date(clock().getTime() + 60_000).toISOString(), 'and renews the lease');
});

t.test('a Slurm job that ended while its callbacks were lost is reconciled, not flagged', async (t) => {
  const cases: Array<{ word: string; answer: LaunchStatus; expect: string[]; data?: object }> = [
    { word: 'COMPLETED', answer: { kind: 'ended', state: 'COMPLETED', exitCode: '0:0' }, expect: ['finish'] },
    {
      word: 'TIMEOUT',
      answer: { kind: 'ended', state: 'TIMEOUT', exitCode: '0:15' },
      expect: ['fail'],
      data: { reason: 'Slurm reports TIMEOUT', launch: { launcher: 'slurm', state: 'TIMEOUT', exitCode: '0:15' } },
    },
    { word: 'OUT_OF_MEMORY', answer: { kind: 'ended', state: 'OUT_OF_MEMORY' }, expect: ['fail'] },
    { word: 'NODE_FAIL', answer: { kind: 'ended', state: 'NODE_FAIL' }, expect: ['fail'] },
    { word: 'CANCELLED', answer: { kind: 'ended', state: 'CANCELLED' }, expect: ['fail'] },
    { word: 'RUNNING', answer: { kind: 'active', state: 'RUNNING' }, expect: ['stale'] },
    { word: 'forgotten', answer: { kind: 'unknown', message: 'Invalid job id' }, expect: ['stale'] },
  ];
  for (const c of cases) {
    await t.test(c.word, async (t) => {
      const { fakes, slurm, reaper, advance, clock } = await rig(t);
      const job = await runningJob(fakes, 'hb', clock);
      const at = clock().toISOString();
      await fakes.store.markLaunch(job.uuid, null, { state: 'launched', by: 'd', at, launcher: 'slurm', ref: '42' });
      slurm.answer = c.answer;
      advance(61_000);
      t.equal(await reaper().sweep(), c.expect.length);
      t.same(slurm.asked, ['42'], 'the scheduler was asked about the launch');
      const names = ['create', 'run', ...c.expect];
      t.ok(await eventually(async () => (await fakes.store.history(job.uuid)).length === names.length));
      const history = await fakes.store.history(job.uuid);
      t.same(
        history.map((e) => e.name),
        names,
      );
      t.match(history.at(-1), { source: 'reaper', ...(c.data !== undefined && { data: c.data }) });
    });
  }
});

t.test(
  'a CREATED Slurm job that completed gets run then finish; one cancelled before it ran is cancelled',
  async (t) => {
    for (const [state, expected] of [
      ['COMPLETED', ['create', 'run', 'finish']],
      ['CANCELLED', ['create', 'cancel']],
    ] as const) {
      const { fakes, slurm, reaper, advance, clock } = await rig(t);
      const created = await fakes.ask({ name: 'create', pipeline: 'hb', data: { state } });
      const uuid = String(created['uuid']);
      await fakes.store.markLaunch(uuid, null, {
        state: 'launched',
        by: 'd',
        at: clock().toISOString(),
        launcher: 'slurm',
        ref: '7',
      });
      slurm.answer = { kind: 'ended', state };
      advance(61_000);
      await reaper().sweep();
      t.ok(await eventually(async () => (await fakes.store.history(uuid)).length === expected.length), state);
      t.same(
        (await fakes.store.history(uuid)).map((e) => e.name),
        expected,
      );
    }
  },
);
