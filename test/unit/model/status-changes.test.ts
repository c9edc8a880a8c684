import t from 'tap';
import type { HistoryEntry } from '../../../model/job.js';
import { statusChanges } from '../../../model/status-changes.js';

let version = 0;
const e = (
  name: HistoryEntry['name'],
  state: HistoryEntry['state'],
  more: Partial<HistoryEntry> = {},
): HistoryEntry => ({
  id: `id-${++version}`,
  name,
  date: `2026-12-07T12:00:0${version}.000Z`,
  data: null,
  source: 's',
  state,
  version,
  ...more,
});

t.test('state and phase changes, fails and notes; self-loops that change nothing are left out', async (t) => {
  version = 0;
  const log = statusChanges([
    e('create', 'CREATED'),
    e('resource', 'CREATED', { phase: 'queued' }),
    e('update', 'CREATED'),
    e('run', 'RUNNING', { phase: 'processing' }),
    e('fail', 'FAILED', { data: { error_subtype: 'SIP unrecoverable error', error_message: 'boom', exit_code: 2 } }),
    e('reset', 'RESET', { source: 'policy:p', data: { rule: 0, attempt: 2, fail: 'id-5' } }),
    e('ready', 'CREATED', { source: 'policy:p', data: { rule: 0, attempt: 2, fail: 'id-5' } }),
    e('fail', 'FAILED', { data: { code: 'launch_failed', message: 'sbatch refused' } }),
    e('retries_exhausted', 'FAILED', { source: 'policy:p', data: { rule: 0, attempt: 2, fail: 'id-8' } }),
  ]);
  t.same(
    log.map((c) => [c.event, c.state, c.phase, c.error, c.attempt]),
    [
      ['create', 'CREATED', undefined, false, 1],
      ['resource', 'CREATED', 'queued', false, 1],
      ['run', 'RUNNING', 'processing', false, 1],
      ['fail', 'FAILED', 'processing', true, 1],
      ['reset', 'RESET', 'processing', false, 1],
      ['ready', 'CREATED', 'processing', false, 2],
      ['fail', 'FAILED', 'processing', true, 2],
      ['retries_exhausted', 'FAILED', 'processing', false, 2],
    ],
  );
  t.match(log[3], { errorSubtype: 'SIP unrecoverable error', errorMessage: 'boom', exitCode: 2, time: /Z$/ });
  t.match(log[6], { errorSubtype: 'launch_failed', errorMessage: 'sbatch refused' }, "a launch failure's code");
  t.notOk('errorSubtype' in (log[0] ?? {}));
});

t.test("a Slurm fail's reason is its message; a ready by hand does not start an attempt", async (t) => {
  version = 0;
  const log = statusChanges([
    e('create', 'CREATED'),
    e('fail', 'FAILED', { data: { reason: 'Slurm job ended in state TIMEOUT' } }),
    e('reset', 'RESET', { source: 'admin' }),
    e('ready', 'CREATED', { source: 'admin', data: { attempt: 5 } }),
  ]);
  t.match(log[1], { errorMessage: 'Slurm job ended in state TIMEOUT' });
  t.equal(log[3]?.attempt, 1);
});
