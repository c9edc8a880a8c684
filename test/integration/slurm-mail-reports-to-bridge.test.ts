import t from 'tap';
import { main } from '../../cli/main.js';
import { slurmTrackingComment } from '../../protocol/slurm-tracking.js';
import { capture } from '../helpers/capture.js';
import { startHttpRig } from '../helpers/http-rig.js';

const TOKEN = 'tp3zn2.VVeiLh4K9JGrcWgwCiHA81wa68T-zs6WmkrwU23tipo';

t.test('pjm slurm-mail posts to the bridge; a refusal is reported with its code and exit 1', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  const address = await rig.app.listen({ host: '127.0.0.1', port: 0 });
  const created = (await rig.app.inject({ method: 'POST', url: '/jobs?wait=1', payload: { pipeline: 'mail' } })).json<{
    uuid: string;
    token: string;
  }>();
  const env = {
    PJM_URL: address,
    SLURM_JOB_ID: '5',
    SLURM_JOB_STATE: 'RUNNING',
    SLURM_JOB_COMMENT: slurmTrackingComment(created.uuid, created.token),
  };
  const err = capture();
  t.equal(
    await main(['slurm-mail', '-s', 'Slurm Job_id=5 Name=wrap Began, Queued time 00:00:01', 'u'], {
      stdout: capture().stream,
      stderr: err.stream,
      env,
    }),
    0,
    err.text(),
  );
  for (let i = 0; i < 50 && (await rig.store.get(created.uuid))?.state !== 'RUNNING'; i++)
    await new Promise((r) => setTimeout(r, 20));
  t.equal((await rig.store.get(created.uuid))?.state, 'RUNNING');
  const refused = capture();
  const forged = { ...env, SLURM_JOB_COMMENT: slurmTrackingComment(created.uuid, TOKEN) };
  t.equal(
    await main(['slurm-mail', '-s', 'Slurm Job_id=5 Name=wrap Ended, Run time 00:00:01, COMPLETED, ExitCode 0', 'u'], {
      stdout: capture().stream,
      stderr: refused.stream,
      env: forged,
    }),
    1,
  );
  t.match(refused.text(), /did not take .* 403 token_invalid/);
});
