import t from 'tap';
import { settledLaunch } from '../../../../http/rubin/launch-wait.js';
import type { JobDocument } from '../../../../model/job.js';

function store(launches: ReadonlyArray<Record<string, unknown> | undefined>) {
  let reads = 0;
  return {
    reads: () => reads,
    async get(uuid: string): Promise<JobDocument | undefined> {
      const launch = launches[Math.min(reads, launches.length - 1)];
      reads += 1;
      return { uuid, ...(launch !== undefined && { launch }) } as unknown as JobDocument;
    },
  };
}

t.test('waits for the launch record past its intent, bounded', async (t) => {
  const settling = store([undefined, { state: 'intent' }, { state: 'launched', ref: '4242' }]);
  const job = await settledLaunch(settling, 'u', 5000);
  t.match(job, { launch: { state: 'launched', ref: '4242' } });
  t.equal(settling.reads(), 3);
  const never = store([undefined]);
  const started = Date.now();
  t.notOk('launch' in ((await settledLaunch(never, 'u', 200)) ?? {}), 'no record: the last read');
  t.ok(Date.now() - started < 1000, 'bounded');
  t.match(await settledLaunch(store([{ state: 'failed', message: 'no such file' }]), 'u', 5000), {
    launch: { state: 'failed' },
  });
});
