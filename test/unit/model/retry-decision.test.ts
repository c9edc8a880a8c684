import t from 'tap';
import { nextRetryStep, retryStepId } from '../../../model/retry-decision.js';
import type { HistoryEntry, JobDocument } from '../../../model/job.js';
import type { RetryPolicy } from '../../../registry/retry-policy.js';

const T0 = '2026-12-07T12:00:00.000Z';
const at = (seconds: number): Date => new Date(Date.parse(T0) + seconds * 1000);

/** HR-S&I (seed-systems.md §4.2): 3 attempts; exit 2 and 100-199 retry, 10-49 never; external errors twice. */
const HRSI: RetryPolicy = {
  max_attempts: 3,
  delay_seconds: 10,
  backoff: 3,
  max_delay_seconds: 20,
  rules: [
    { exit_codes: ['10-49'], retry: false },
    { exit_codes: [2, '100-199'] },
    { error_class: 'external', max_retries: 1 },
    { error_class: 'internal', error_subtype: 'SIP unrecoverable error', error_message: '^SIP' },
  ],
};

let version = 0;
const e = (name: HistoryEntry['name'], state: HistoryEntry['state'], data: HistoryEntry['data'] = null, source = 'x') =>
  ({
    id: `00000000-0000-4000-8000-${String(++version).padStart(12, '0')}`,
    name,
    date: T0,
    data,
    source,
    state,
    version,
  }) as HistoryEntry;

function jobOf(history: HistoryEntry[], attempts?: number): JobDocument {
  const last = history.at(-1) as HistoryEntry;
  return {
    uuid: 'u',
    ulid: 'l',
    pipeline: 'hrsi',
    state: last.state,
    version: last.version,
    data: {},
    created: T0,
    updated: last.date,
    lastEvent: 'fail',
    ...(attempts !== undefined && { attempts }),
  };
}

function failedWith(data: Record<string, unknown>): HistoryEntry[] {
  version = 0;
  return [e('create', 'CREATED'), e('fail', 'FAILED', data)];
}

t.test('a matching fail is reset after the delay, with an id fixed by the fail', async (t) => {
  const history = failedWith({ exit_code: 2 });
  const job = jobOf(history);
  t.same(nextRetryStep(job, history, HRSI, at(5)), { kind: 'wait', at: at(10).getTime() }, 'the delay first');
  const step = nextRetryStep(job, history, HRSI, at(10));
  t.match(step, {
    kind: 'write',
    command: {
      expected: { state: 'FAILED', version: 2 },
      entry: { name: 'reset', state: 'RESET', version: 3, source: 'policy:hrsi', data: { rule: 1, attempt: 2 } },
    },
  });
  const reset = step.kind === 'write' ? step.command.entry : undefined;
  t.equal(reset?.id, retryStepId(history[1]?.id ?? '', 'reset'), 'UUID v5 of the fail entry');
  t.match(
    nextRetryStep(job, history, HRSI, at(11)),
    { command: { entry: { id: reset?.id, data: reset?.data } } },
    'the same entry whenever it is computed again',
  );
  const ready = nextRetryStep(
    jobOf([...history, reset as HistoryEntry]),
    [...history, reset as HistoryEntry],
    HRSI,
    at(12),
  );
  t.match(ready, {
    kind: 'write',
    command: { entry: { name: 'ready', state: 'CREATED', data: { attempt: 2 } }, set: { attempts: 2 } },
  });
});

t.test('backoff: the second retry waits delay × backoff, capped', async (t) => {
  const history = failedWith({ exit_code: 150 });
  t.same(nextRetryStep(jobOf(history, 2), history, HRSI, at(0)), { kind: 'wait', at: at(20).getTime() });
});

t.test('no retry: 10-49, no rule, wrong types, a fail that is not the last entry', async (t) => {
  for (const data of [{ exit_code: 13 }, { exit_code: 1 }, { exit_code: '2' }, {}, { error_class: 'internal' }]) {
    const history = failedWith(data);
    t.same(nextRetryStep(jobOf(history), history, HRSI, at(100)), { kind: 'none' }, JSON.stringify(data));
  }
  const history = [...failedWith({ exit_code: 2 }), e('update', 'FAILED')];
  t.same(nextRetryStep(jobOf(history), history, HRSI, at(100)), { kind: 'none' });
  const manual = [...failedWith({ exit_code: 2 }), e('reset', 'RESET', { rule: 1, attempt: 2, fail: 'f' }, 'admin')];
  t.same(nextRetryStep(jobOf(manual), manual, HRSI, at(100)), { kind: 'none' }, "a reset by hand is not the policy's");
});

t.test('error_subtype and error_message (a regular expression) must both match', async (t) => {
  const sip = { error_class: 'internal', error_subtype: 'SIP unrecoverable error', error_message: 'SIP crashed' };
  const history = failedWith(sip);
  t.match(nextRetryStep(jobOf(history), history, HRSI, at(100)), { command: { entry: { data: { rule: 3 } } } });
  const other = failedWith({ ...sip, error_message: 'disk full' });
  t.same(nextRetryStep(jobOf(other), other, HRSI, at(100)), { kind: 'none' });
});

t.test('out of budget: max_attempts, or the rule’s own max_retries → the retries_exhausted note', async (t) => {
  const history = failedWith({ exit_code: 2 });
  const step = nextRetryStep(jobOf(history, 3), history, HRSI, at(100));
  t.match(step, {
    kind: 'write',
    command: {
      expected: { state: 'FAILED', version: 2 },
      entry: { name: 'retries_exhausted', state: 'FAILED', data: { rule: 1, attempt: 3, max_attempts: 3 } },
      set: { retriesExhausted: at(100).toISOString() },
    },
  });
  version = 0;
  const external = [
    e('create', 'CREATED'),
    e('fail', 'FAILED', { error_class: 'external' }),
    e('reset', 'RESET', { rule: 2, attempt: 2, fail: 'f' }, 'policy:hrsi'),
    e('ready', 'CREATED', { rule: 2, attempt: 2, fail: 'f' }, 'policy:hrsi'),
    e('fail', 'FAILED', { error_class: 'external' }),
  ];
  t.match(
    nextRetryStep(jobOf(external, 2), external, HRSI, at(100)),
    { command: { entry: { name: 'retries_exhausted', data: { rule: 2, rule_retries: 1, max_retries: 1 } } } },
    'external errors have their own budget, below max_attempts',
  );
  const exhausted = [...history, e('retries_exhausted', 'FAILED', { rule: 1, attempt: 3, fail: 'f' }, 'policy:hrsi')];
  t.same(nextRetryStep(jobOf(exhausted, 3), exhausted, HRSI, at(100)), { kind: 'none' }, 'decided once');
});
