import t from 'tap';
import { JOB_STATES } from '../../../fsm/index.js';
import type { HistoryEntry, JobState } from '../../../model/job.js';
import { UWS_PHASE, phaseSince, statesOfPhases, uwsPhaseOf } from '../../../model/uws-phase.js';

t.test('every canonical state has one UWS phase', async (t) => {
  t.same(Object.keys(UWS_PHASE).sort(), [...JOB_STATES].sort());
  t.equal(uwsPhaseOf('CREATED'), 'queued');
  t.equal(uwsPhaseOf('RESET'), 'pending');
  t.equal(uwsPhaseOf('RUNNING'), 'executing');
  t.equal(uwsPhaseOf('FINISHED'), 'completed');
  t.equal(uwsPhaseOf('FAILED'), 'error');
  t.equal(uwsPhaseOf('CANCELLED'), 'aborted');
  t.same(statesOfPhases(['pending', 'queued']), ['CREATED', 'RESET']);
  t.same(statesOfPhases(['error']), ['FAILED', 'REJECTED']);
});

t.test('phaseSince: when the job entered its present phase', async (t) => {
  const entry = (state: JobState, date: string): HistoryEntry => ({
    id: date,
    name: 'update',
    date,
    data: null,
    source: 'test',
    state,
    version: 1,
  });
  t.equal(phaseSince([]), undefined);
  const history = [
    entry('CREATED', '2026-01-01T00:00:00.000Z'),
    entry('RUNNING', '2026-01-01T00:01:00.000Z'),
    entry('FINISHED', '2026-01-01T00:02:00.000Z'),
    entry('INDEXING', '2026-01-01T00:03:00.000Z'),
  ];
  t.equal(phaseSince(history), '2026-01-01T00:02:00.000Z', 'post-processing stays completed');
  t.equal(phaseSince(history.slice(0, 2)), '2026-01-01T00:01:00.000Z');
});
