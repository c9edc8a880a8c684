import t from 'tap';
import { slurmArrayEnd, slurmEvent } from '../../../../http/bridge/slurm-event.js';
import { parseSlurmSubject } from '../../../../protocol/slurm-subject.js';

// The Slurm mails are read with the built-in `slurm` vocabulary: a job state becomes the job's
// phase, warnings and single array tasks leave it. The events are those of the hand-written table
// the vocabulary replaced (slurm-event.test.ts).

const event = (subject: string, env?: { SLURM_JOB_STATE?: string }) => slurmEvent(parseSlurmSubject(subject), env);

t.test('a job state is the phase', async (t) => {
  t.match(event('Slurm Job_id=5 Name=wrap Began, Queued time 00:00:01'), { name: 'run', phase: 'RUNNING' });
  t.match(event('Slurm Job_id=5 Name=wrap Ended, Run time 00:00:01, COMPLETED, ExitCode 0'), {
    name: 'finish',
    phase: 'COMPLETED',
  });
  t.match(event('Slurm Job_id=5 Name=wrap Failed, Run time 00:01:00, TIMEOUT, ExitCode 0'), {
    name: 'fail',
    phase: 'TIMEOUT',
  });
  t.match(event('Slurm Job_id=5 Name=wrap Ended, Run time 00:00:00, CANCELLED, ExitCode 0'), {
    name: 'fail',
    phase: 'CANCELLED',
  });
  t.match(event('Slurm Job_id=5 Name=wrap Ended, Run time 00:00:05, PREEMPTED, ExitCode 0'), {
    name: 'update',
    phase: 'PREEMPTED',
  });
  t.match(event('Slurm Job_id=5 Name=wrap Failed, Run time 00:00:05, REQUEUED, ExitCode 1'), {
    name: 'fail',
    phase: 'FAILED',
  });
  t.match(event('Slurm Job_id=5 Name=wrap Ended, Run time 00:00:05, ExitCode 2'), { name: 'fail', phase: 'FAILED' });
});

t.test('warnings, unknown mails and one task of an array leave the phase', async (t) => {
  t.notOk('phase' in event('Slurm Job_id=5 Name=wrap Reached 90% of time limit, Run time 00:09:00'));
  t.notOk('phase' in event('nonsense'));
  t.notOk(
    'phase' in event('Slurm Array Task Job_id=7_3 (10) Name=arr Ended, Run time 00:00:01, COMPLETED, ExitCode 0'),
  );
  t.match(event('Slurm Job_id=5 Name=wrap Ended, Run time 00:00:05, RUNNING, ExitCode 0'), { name: 'update' });
  t.notOk('phase' in event('Slurm Job_id=5 Name=wrap Ended, Run time 00:00:05, RUNNING, ExitCode 0'));
});

t.test("an array's end: COMPLETED, a single failure state, or MIXED", async (t) => {
  const task = parseSlurmSubject(
    'Slurm Array Task Job_id=7_3 (10) Name=arr Ended, Run time 00:00:01, FAILED, ExitCode 1',
  );
  const end = (states: Record<string, number>) =>
    slurmArrayEnd(task, { tasks: 3, states, notCompleted: states['COMPLETED'] === 3 ? [] : ['7_3'] });
  t.match(end({ COMPLETED: 3 }), { name: 'finish', phase: 'COMPLETED' });
  t.match(end({ FAILED: 3 }), { name: 'fail', phase: 'FAILED', data: { slurm: { state: 'FAILED' } } });
  t.match(end({ COMPLETED: 2, FAILED: 1 }), { name: 'fail', phase: 'MIXED', data: { slurm: { state: 'MIXED' } } });
  t.match(end({ PREEMPTED: 3 }), { name: 'fail', phase: 'MIXED', data: { slurm: { state: 'PREEMPTED' } } });
});
