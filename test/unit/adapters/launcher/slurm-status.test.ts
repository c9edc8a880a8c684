import t from 'tap';
import { parseSacctStatus, parseScontrolStatus } from '../../../../adapters/launcher/slurm/slurm-status.js';

t.test('scontrol show job --oneliner: final states end, others are active', async (t) => {
  const line = (state: string, exit = '0:0') =>
    `JobId=42 JobName=p UserId=root(0) JobState=${state} Reason=None Dependency=(null) ExitCode=${exit} Comment=x`;
  t.same(parseScontrolStatus(line('COMPLETED')), { kind: 'ended', state: 'COMPLETED', exitCode: '0:0' });
  t.same(parseScontrolStatus(line('TIMEOUT', '0:15')), { kind: 'ended', state: 'TIMEOUT', exitCode: '0:15' });
  t.same(parseScontrolStatus(line('RUNNING')), { kind: 'active', state: 'RUNNING' });
  t.same(parseScontrolStatus(line('COMPLETING')), { kind: 'active', state: 'COMPLETING' }, 'not ended yet');
  t.equal(parseScontrolStatus('slurm_load_jobs error: Invalid job id specified'), undefined);
});

t.test('sacct -X -n -P -o State,ExitCode', async (t) => {
  t.same(parseSacctStatus('CANCELLED by 0|0:9\n'), { kind: 'ended', state: 'CANCELLED', exitCode: '0:9' });
  t.same(parseSacctStatus('OUT_OF_MEMORY|0:125\n'), { kind: 'ended', state: 'OUT_OF_MEMORY', exitCode: '0:125' });
  t.same(parseSacctStatus('PENDING|0:0\n'), { kind: 'active', state: 'PENDING' });
  t.equal(parseSacctStatus('\n'), undefined, 'no record');
});
