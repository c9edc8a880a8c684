import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseSlurmSubject, slurmEvent, type SlurmSubject } from '../../../http/bridge/slurm-event.js';

const subjects = readFileSync(new URL('../../fixtures/slurm/subjects.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line !== '');

type Expected = Omit<SlurmSubject, 'raw'> & { event: string };

// One row per line of subjects.txt, in order.
const EXPECTED: Expected[] = [
  { jobId: '1', jobName: 'wrap', kind: 'began', event: 'run' },
  { jobId: '1', jobName: 'wrap', kind: 'ended', state: 'COMPLETED', exitCode: 0, runTime: '00:00:01', event: 'finish' },
  { jobId: '2', jobName: 'wrap', kind: 'failed', state: 'FAILED', exitCode: 3, runTime: '00:00:01', event: 'fail' },
  { jobId: '3', jobName: 'wrap', kind: 'ended', state: 'CANCELLED', exitCode: 0, runTime: '00:00:01', event: 'fail' },
  { jobId: '4', jobName: 'x', kind: 'time_limit', runTime: '00:01:00', event: 'fail' },
  { jobId: '5', jobName: 'x', kind: 'requeued', runTime: '00:00:30', event: 'update' },
  { jobId: '6', jobName: 'x', kind: 'other', runTime: '00:00:54', event: 'update' },
  { jobId: '7_*', jobName: 'arr', kind: 'ended', state: 'MIXED', event: 'fail' },
  { jobId: '7_3', jobName: 'arr', kind: 'ended', state: 'COMPLETED', exitCode: 0, runTime: '00:00:02', event: 'finish' },
  { jobId: '8', jobName: 'my job, v2 Failed, run', kind: 'ended', state: 'FAILED', exitCode: 1, runTime: '1-02:03:04', event: 'fail' },
  { jobId: '9', jobName: 'long', kind: 'ended', state: 'TIMEOUT', exitCode: 0, runTime: '00:01:00', event: 'fail' },
  { jobId: '10', jobName: 'n', kind: 'failed', state: 'NODE_FAIL', exitCode: 0, runTime: '00:00:05', event: 'fail' },
  { jobId: '11', jobName: 'oom', kind: 'failed', state: 'OUT_OF_MEMORY', exitCode: 0, runTime: '00:00:05', event: 'fail' },
  { jobId: '12', jobName: 'p', kind: 'ended', state: 'PREEMPTED', exitCode: 0, runTime: '00:00:05', event: 'update' },
  { jobId: '13', jobName: 'b', kind: 'failed', state: 'BOOT_FAIL', exitCode: 0, runTime: '00:00:00', event: 'fail' },
  { jobId: '14', jobName: 'd', kind: 'ended', state: 'DEADLINE', exitCode: 0, runTime: '00:00:00', event: 'fail' },
  { jobId: '15', jobName: 'so', kind: 'staged_out', state: 'COMPLETED', exitCode: 0, runTime: '00:00:10', event: 'update' },
  { jobId: '16_*', jobName: 'arr2', kind: 'ended', state: 'COMPLETED', exitCode: 0, event: 'finish' },
  { jobId: '17_*', jobName: 'arr3', kind: 'failed', state: 'MIXED', exitCode: 2, event: 'fail' },
  { jobId: '18', jobName: 'dep', kind: 'other', event: 'update' },
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
    const { kind, ...rest } = fields;
    t.strictSame(result.data['slurm'], { ...rest, kind, subject });
    t.equal(typeof result.data['reason'] === 'string', event === 'fail', 'fail events carry a reason');
    t.end();
  });
});

t.test('cancelled keeps the reason', (t) => {
  const { name, data } = slurmEvent(parseSlurmSubject('Slurm Job_id=3 Name=wrap Ended, Run time 00:00:01, CANCELLED, ExitCode 0'));
  t.equal(name, 'fail');
  t.match(data['reason'], /cancel/);
  t.end();
});

t.test('garbage never throws', (t) => {
  for (const junk of ['', '   ', 'Slurm', 'Job_id=', 'Slurm Job_id=9 Name=', 'Name=a Ended,', '\u0000\n\t', 'x'.repeat(100_000), `Slurm Job_id=1 Name=${' Name= Ended'.repeat(2_000)}x`]) {
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
  t.strictSame(fromEnv.data['slurm'], { jobId: '20', jobName: 'z', kind: 'ended', state: 'CANCELLED', exitCode: 0, subject: garbled.raw });
  t.equal(slurmEvent(garbled).name, 'finish', 'Ended without state or exit code');
  t.equal(slurmEvent(garbled, { SLURM_JOB_EXIT_CODE_MAX: '2' }).name, 'fail');
  const completed = parseSlurmSubject('Slurm Job_id=1 Name=wrap Ended, Run time 00:00:01, COMPLETED, ExitCode 0');
  t.equal(slurmEvent(completed, { SLURM_JOB_STATE: 'FAILED', SLURM_JOB_EXIT_CODE_MAX: '1' }).name, 'finish');
  t.equal(slurmEvent(parseSlurmSubject('nonsense'), { SLURM_JOB_STATE: 'COMPLETED' }).name, 'update');
  t.end();
});
