import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import t from 'tap';
import { JobTokens } from '../../model/job-tokens.js';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { deliveryOrder, makeStream } from '../helpers/event-stream.js';
import { snapshotJobs, waitForVersions } from '../helpers/job-snapshot.js';
import { ManagerRig, TEST_DEFER_DELAYS_MS, TEST_SECRET, type RigKind } from '../helpers/manager-rig.js';
import { referenceRun } from '../helpers/reference-run.js';
import { scaled, scaledMs, scenarioFileTimeoutMs } from '../helpers/scale.js';
import { serviceUrl } from '../helpers/services.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const cases: Array<{ name: string; command: 'manager' | 'serve'; kind: RigKind | { skip: string } }> = [
  { name: 'pjm serve (embedded bus + SQLite)', command: 'serve', kind: { bus: 'local', store: 'sqlite' } },
  {
    name: 'pjm manager (AMQP + SQLite)',
    command: 'manager',
    kind: 'url' in amqp ? { bus: { amqp: amqp.url }, store: 'sqlite' } : amqp,
  },
];

t.setTimeout(scenarioFileTimeoutMs());

// At PJM_TEST_SCALE=1, 4,000 events: the kill lands with thousands applied and thousands still
// queued, in-flight or deferred, which is what "exactly once across a crash" needs.
const JOBS = scaled(400);
const EVENTS = JOBS * 10;
const KILL_AFTER = Math.round(EVENTS * 0.3);
const count = (n: number): string => n.toLocaleString('en-US');

/** Applied history entries so far, read straight from the store file the child writes. */
function appliedCount(dir: string): number {
  try {
    const db = new Database(join(dir, 'jobs.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

async function waitForCount(dir: string, atLeast: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = appliedCount(dir);
  while (n < atLeast && Date.now() < deadline) {
    await sleep(20);
    n = appliedCount(dir);
  }
  return n;
}

for (const { name, command, kind } of cases) {
  if ('skip' in kind) {
    t.test(name, { skip: kind.skip }, () => {});
    continue;
  }
  t.test(
    `${name}: kill -9 in the middle of ${count(EVENTS)} events, restart → every event applied exactly once`,
    async (t) => {
      const rig = new ManagerRig(kind);
      t.teardown(() => rig.dispose());
      const tokens = new JobTokens(TEST_SECRET);
      const jobs = makeStream({ jobs: JOBS, eventsPerJob: 10, tokens });
      const expected = await referenceRun(jobs, tokens);
      await rig.publish(deliveryOrder(jobs, { twice: false, window: 1, seed: 7 }));
      const env: Record<string, string> = {
        PJM_DATA_DIR: rig.dir,
        PJM_SECRET: TEST_SECRET,
        PJM_DEFER_DELAYS_MS: TEST_DEFER_DELAYS_MS.join(','),
        PJM_LOG_LEVEL: 'warn',
        PJM_HTTP_PORT: '0',
        ...(kind.bus !== 'local' && { PJM_AMQP_URL: kind.bus.amqp, PJM_AMQP_PREFIX: rig.prefix }),
      };
      const first = spawnPjm([command], env);
      t.teardown(() => void first.kill('SIGKILL'));
      const before = await waitForCount(rig.dir, KILL_AFTER, scaledMs(120_000));
      first.kill('SIGKILL');
      t.equal(await exited(first), 'SIGKILL', 'the first process was killed');
      const atKill = appliedCount(rig.dir);
      t.ok(before >= KILL_AFTER && atKill < EVENTS, `killed mid-stream (${atKill} of ${count(EVENTS)} applied)`);

      const second = spawnPjm([command], env);
      t.teardown(() => void second.kill('SIGKILL'));
      const store = await rig.store();
      const missing = await waitForVersions(
        store,
        new Map([...expected].map(([u, s]) => [u, s.version])),
        scaledMs(240_000),
      );
      t.equal(missing, 0, 'every job finished after the restart');
      await sleep(500);
      const actual = await snapshotJobs(
        store,
        jobs.map((j) => j.uuid),
      );
      const differing = [...expected].filter(
        ([uuid, want]) => JSON.stringify(actual.get(uuid)) !== JSON.stringify(want),
      );
      t.equal(differing.length, 0, 'states and histories equal the in-order run: nothing lost, nothing doubled');
      t.equal(appliedCount(rig.dir), EVENTS, `${count(EVENTS)} history entries in all`);

      const stopAsked = Date.now();
      second.kill('SIGTERM');
      t.equal(await exited(second), 0, 'SIGTERM: clean exit 0');
      t.ok(Date.now() - stopAsked < 10_000, `stopped within 10 s (${Date.now() - stopAsked} ms)`);
      if (differing.length > 0 || missing > 0) t.comment(second.output());
    },
  );
}
