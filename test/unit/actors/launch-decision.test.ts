import t from 'tap';
import { decideLaunch } from '../../../actors/launch-decision.js';
import type { JobDocument } from '../../../model/job.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const job = (over: Partial<JobDocument>): JobDocument => ({
  uuid: 'u',
  ulid: 'l',
  pipeline: 'p',
  state: 'CREATED',
  version: 1,
  data: {},
  created: '2026-12-07T11:00:00.000Z',
  updated: '2026-12-07T11:00:00.000Z',
  lastEvent: 'create',
  ...over,
});
const at = (secondsAgo: number): string => new Date(NOW.getTime() - secondsAgo * 1000).toISOString();

t.test('a CREATED job without a record is launched from no record', async (t) => {
  t.same(decideLaunch(job({}), NOW, 30_000), { action: 'launch', expected: null });
});

t.test('only CREATED jobs are launched', async (t) => {
  for (const state of ['RUNNING', 'CANCELLED', 'FAILED', 'RESET'] as const)
    t.match(decideLaunch(job({ state }), NOW, 30_000), { action: 'skip' }, state);
});

t.test('an intent is left to its dispatcher during the grace period, then reconciled', async (t) => {
  const intent = { state: 'intent' as const, by: 'd1', at: at(10), launcher: 'local' as const };
  t.match(decideLaunch(job({ launch: intent }), NOW, 30_000), { action: 'skip', why: /d1 is launching/ });
  const old = { ...intent, at: at(31) };
  t.same(decideLaunch(job({ launch: old }), NOW, 30_000), {
    action: 'reconcile',
    expected: { state: 'intent', by: 'd1', at: old.at },
  });
});

t.test('a launched or failed record is final, unless a ready came after it', async (t) => {
  const launched = { state: 'launched' as const, by: 'd1', at: at(100), launcher: 'slurm' as const, ref: '7' };
  t.match(decideLaunch(job({ launch: launched }), NOW, 30_000), { action: 'skip' });
  t.match(decideLaunch(job({ launch: { ...launched, state: 'failed' } }), NOW, 30_000), { action: 'skip' });
  const readied = job({ launch: launched, lastEvent: 'ready', updated: at(5), version: 4 });
  t.same(decideLaunch(readied, NOW, 30_000), {
    action: 'launch',
    expected: { state: 'launched', by: 'd1', at: launched.at },
  });
  const relaunched = job({ launch: { ...launched, at: at(1) }, lastEvent: 'ready', updated: at(5) });
  t.match(decideLaunch(relaunched, NOW, 30_000), { action: 'skip' }, 'the relaunch after the ready is recorded');
});

t.test('the launch record is per attempt: a record of an earlier attempt is launched over, once', async (t) => {
  // The dispatcher's clock may run behind the manager's: the attempt decides, not the times.
  const launched = { state: 'launched' as const, by: 'd1', at: at(-60), launcher: 'local' as const, ref: '7' };
  const retried = job({ launch: launched, attempts: 2, lastEvent: 'update', updated: at(5), version: 6 });
  t.same(decideLaunch(retried, NOW, 30_000), {
    action: 'launch',
    expected: { state: 'launched', by: 'd1', at: launched.at },
  });
  const intent = { state: 'intent' as const, by: 'd2', at: at(1), launcher: 'local' as const, attempt: 2 };
  t.match(decideLaunch(job({ launch: intent, attempts: 2 }), NOW, 30_000), { action: 'skip' }, 'claimed');
  const failedLaunch = { ...intent, state: 'failed' as const, attempt: 2 };
  t.match(decideLaunch(job({ launch: failedLaunch, attempts: 2 }), NOW, 30_000), { action: 'skip' });
  t.same(
    decideLaunch(job({ launch: failedLaunch, attempts: 3 }), NOW, 30_000),
    { action: 'launch', expected: { state: 'failed', by: 'd2', at: intent.at } },
    'the third attempt launches over the second',
  );
});
