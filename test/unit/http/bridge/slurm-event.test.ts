import { readFileSync } from 'node:fs';
import t from 'tap';
import { slurmEvent } from '../../../../http/bridge/slurm-event.js';
import { parseSlurmSubject, type SlurmSubject } from '../../../../protocol/slurm-subject.js';

const subjects = readFileSync(new URL('../../../fixtures/slurm/subjects.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'));

type Expected = Omit<SlurmSubject, 'raw'> & { event: string };

// One row per subject line of subjects.txt, in order.
const EXPECTED: Expected[] = [
  { jobId: '1', jobName: 'wrap', kind: 'began', event: 'run' },
  { jobId: '1', jobName: 'wrap', kind: 'ended', state: 'COMPLETED', exitCode: 0, runTime: '00:00:01', event: 'finish' },
  { jobId: '2', jobName: 'wrap', kind: 'failed', state: 'FAILED', exitCode: 3, runTime: '00:00:00', event: 'fail' },
  {
    jobId: '3',
    jobName: 'my job, v2 Failed, run',
    kind: 'ended',
    state: 'COMPLETED',
    exitCode: 0,
    runTime: '00:00:01',
    event: 'finish',
  },
  { jobId: '4', jobName: 'wrap', kind: 'ended', state: 'CANCELLED', exitCode: 0, runTime: '00:00:03', event: 'fail' },
  { jobId: '5', jobName: 'wrap', kind: 'ended', state: 'CANCELLED', exitCode: 0, runTime: '00:00:00', event: 'fail' },
  { jobId: '6', jobName: 'wrap', kind: 'time_limit', timeLimitPercent: 50, runTime: '00:00:55', event: 'update' },
  { jobId: '6', jobName: 'wrap', kind: 'time_limit', timeLimitPercent: 80, runTime: '00:00:55', event: 'update' },
  { jobId: '6', jobName: 'wrap', kind: 'time_limit', timeLimitPercent: 90, runTime: '00:00:55', event: 'update' },
  { jobId: '6', jobName: 'wrap', kind: 'failed', state: 'TIMEOUT', exitCode: 0, runTime: '00:01:25', event: 'fail' },
  { jobId: '6', jobName: 'wrap', kind: 'time_limit', timeLimitPercent: 100, runTime: '00:01:25', event: 'update' },
  { jobId: '7', jobName: 'wrap', kind: 'time_limit', timeLimitPercent: 100, runTime: '00:01:21', event: 'update' },
  { jobId: '7', jobName: 'wrap', kind: 'ended', state: 'COMPLETED', exitCode: 0, runTime: '00:01:35', event: 'finish' },
  { jobId: '8', jobName: 'wrap', kind: 'requeued', runTime: '00:00:00', event: 'update' },
  { jobId: '8', jobName: 'wrap', kind: 'ended', state: 'CANCELLED', exitCode: 0, runTime: '00:00:00', event: 'fail' },
  { jobId: '10', jobName: 'wrap', kind: 'invalid_dependency', event: 'update' },
  { jobId: '11', jobName: 'wrap', kind: 'failed', state: 'DEADLINE', runTime: '00:00:00', event: 'fail' },
  { jobId: '12_*', jobName: 'wrap', kind: 'began', array: 'summary', event: 'run' },
  { jobId: '12_*', jobName: 'wrap', kind: 'ended', array: 'summary', state: 'COMPLETED', exitCode: 0, event: 'finish' },
  { jobId: '13_*', jobName: 'wrap', kind: 'failed', array: 'summary', state: 'MIXED', exitCode: 3, event: 'fail' },
  { jobId: '14_*', jobName: 'wrap', kind: 'failed', array: 'summary', state: 'FAILED', exitCode: 2, event: 'fail' },
  { jobId: '15_0', jobName: 'wrap', kind: 'began', array: 'task', event: 'run' },
  {
    jobId: '15_0',
    jobName: 'wrap',
    kind: 'ended',
    array: 'task',
    state: 'COMPLETED',
    exitCode: 0,
    runTime: '00:00:02',
    event: 'update',
  },
  {
    jobId: '15_1',
    jobName: 'wrap',
    kind: 'failed',
    array: 'task',
    state: 'FAILED',
    exitCode: 3,
    runTime: '00:00:02',
    event: 'update',
  },
  { jobId: '64', jobName: 'wrap', kind: 'time_limit', timeLimitPercent: 100, runTime: '00:00:19', event: 'update' },
  {
    jobId: '64',
    jobName: 'wrap',
    kind: 'ended',
    state: 'COMPLETED',
    exitCode: 0,
    runTime: '00:00:45',
    event: 'finish',
  },
  { jobId: '77_*', jobName: 'wrap', kind: 'ended', array: 'summary', state: 'MIXED', event: 'fail' },
  { jobId: '87', jobName: 'wrap', kind: 'failed', state: 'NODE_FAIL', exitCode: 0, runTime: '00:00:00', event: 'fail' },
  { jobId: '30', jobName: 'bb', kind: 'stage_out', event: 'update' },
  { jobId: '31_*', jobName: 'bb', kind: 'stage_out', array: 'summary', event: 'update' },
  { jobId: '32', jobName: 'oom', kind: 'failed', state: 'OUT_OF_MEMORY', runTime: '00:00:05', event: 'fail' },
  { jobId: '33', jobName: 'boot', kind: 'failed', state: 'BOOT_FAIL', runTime: '00:00:00', event: 'fail' },
  { jobId: '34', jobName: 'low', kind: 'failed', state: 'PREEMPTED', runTime: '00:00:05', event: 'update' },
  { jobId: '35_*', jobName: 'arr', kind: 'ended', array: 'summary', state: 'COMPLETED', exitCode: 0, event: 'finish' },
  { jobId: '', jobName: '', kind: 'other', event: 'update' },
];

t.equal(subjects.length, EXPECTED.length, 'one expectation per fixture line');

subjects.forEach((subject, i) => {
  t.test(subject, (t) => {
    const expected = EXPECTED[i];
    if (expected === undefined) {
      t.fail('no expectation for this line');
      t.end();
      return;
    }
    const { event, ...fields } = expected;
    const parsed = parseSlurmSubject(subject);
    t.strictSame(parsed, { ...fields, raw: subject });
    const result = slurmEvent(parsed);
    t.equal(result.name, event);
    const { jobId, jobName, kind, ...rest } = fields;
    t.strictSame(result.data['slurm'], { jobId, jobName, kind, ...rest, subject });
    t.equal(typeof result.data['reason'] === 'string', event === 'fail', 'fail events carry a reason');
    t.end();
  });
});

t.test('cancelled keeps the reason', (t) => {
  const { name, data } = slurmEvent(
    parseSlurmSubject('Slurm Job_id=3 Name=wrap Ended, Run time 00:00:01, CANCELLED, ExitCode 0'),
  );
  t.equal(name, 'fail');
  t.match(data['reason'], /cancel/);
  t.end();
});

t.test('a fail carries what a retry policy classifies by: error_subtype, error_message, exit_code', (t) => {
  const timeout = slurmEvent(
    parseSlurmSubject('Slurm Job_id=4 Name=wrap Ended, Run time 00:01:05, TIMEOUT, ExitCode 0'),
  );
  t.match(timeout, {
    name: 'fail',
    data: { error_subtype: 'TIMEOUT', error_message: 'Slurm job ended in state TIMEOUT', exit_code: 0 },
  });
  const failed = slurmEvent(
    parseSlurmSubject('Slurm Job_id=5 Name=wrap Failed, Run time 00:00:01, FAILED, ExitCode 2'),
  );
  t.match(failed.data, { error_subtype: 'FAILED', exit_code: 2 });
  t.end();
});

t.test('garbage never throws', (t) => {
  for (const junk of [
    '',
    '   ',
    'Slurm',
    'Job_id=',
    'Slurm Job_id=9 Name=',
    'Name=a Ended,',
    '\u0000\n\t',
    'x'.repeat(100_000),
    `Slurm Job_id=1 Name=${' Name= Ended'.repeat(2_000)}x`,
  ]) {
    const parsed = parseSlurmSubject(junk);
    t.equal(parsed.raw, junk);
    t.equal(parsed.kind, 'other');
    t.equal(slurmEvent(parsed).name, 'update');
  }
  t.equal(parseSlurmSubject('Slurm Job_id=9 Name=').kind, 'other');
  t.equal(parseSlurmSubject('Slurm Job_id=9 Name=').jobId, '9');
  t.end();
});

t.test('the environment fills what the subject lacks, without overriding it', (t) => {
  const garbled = parseSlurmSubject('Slurm Job_id=20 Name=z Ended');
  const fromEnv = slurmEvent(garbled, { SLURM_JOB_STATE: 'CANCELLED by 1000', SLURM_JOB_EXIT_CODE_MAX: '0' });
  t.equal(fromEnv.name, 'fail');
  t.strictSame(fromEnv.data['slurm'], {
    jobId: '20',
    jobName: 'z',
    kind: 'ended',
    state: 'CANCELLED',
    exitCode: 0,
    subject: garbled.raw,
  });
  t.equal(slurmEvent(garbled).name, 'finish', 'Ended without state or exit code');
  t.equal(slurmEvent(garbled, { SLURM_JOB_EXIT_CODE_MAX: '2' }).name, 'fail');
  const completed = parseSlurmSubject('Slurm Job_id=1 Name=wrap Ended, Run time 00:00:01, COMPLETED, ExitCode 0');
  t.equal(slurmEvent(completed, { SLURM_JOB_STATE: 'FAILED', SLURM_JOB_EXIT_CODE_MAX: '1' }).name, 'finish');
  t.equal(slurmEvent(parseSlurmSubject('nonsense'), { SLURM_JOB_STATE: 'COMPLETED' }).name, 'update');
  t.end();
});
