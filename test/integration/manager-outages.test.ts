import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { JobTokens } from '../../model/job-tokens.js';
import { deliveryOrder, makeStream } from '../helpers/event-stream.js';
import { snapshotJobs, waitForVersions } from '../helpers/job-snapshot.js';
import { ManagerRig, TEST_SECRET } from '../helpers/manager-rig.js';
import { referenceRun } from '../helpers/reference-run.js';
import { scaledMs } from '../helpers/scale.js';
import { serviceUrl } from '../helpers/services.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import type { JobStore } from '../../ports/job-store.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const mongo = serviceUrl('PJM_TEST_MONGO_URL');

async function totalVersions(store: JobStore, uuids: readonly string[]): Promise<number> {
  let n = 0;
  for (const uuid of uuids) n += (await store.get(uuid))?.version ?? 0;
  return n;
}

async function sameAsReference(t: Test, store: JobStore, expected: Map<string, unknown>): Promise<void> {
  const actual = await snapshotJobs(store, [...expected.keys()]);
  const differing = [...expected].filter(([uuid, want]) => JSON.stringify(actual.get(uuid)) !== JSON.stringify(want));
  t.equal(differing.length, 0, 'states and histories equal the in-order run: nothing lost, nothing doubled');
}

if ('skip' in amqp) {
  t.test('broker restart', { skip: amqp.skip }, () => {});
} else {
  t.test(
    'the broker restarted mid-stream (rabbitmqctl stop_app / start_app): the manager reconnects and nothing is lost',
    async (t) => {
      const rig = new ManagerRig({ bus: { amqp: amqp.url }, store: 'sqlite' });
      t.teardown(() => rig.dispose());
      const tokens = new JobTokens(TEST_SECRET);
      const jobs = makeStream({ jobs: 500, eventsPerJob: 10, tokens });
      const expected = await referenceRun(jobs, tokens);
      const order = deliveryOrder(jobs, { twice: false, window: 1, seed: 11 });
      await rig.startManager();
      await rig.publish(order.slice(0, 2500));
      const store = await rig.store();
      const uuids = jobs.map((j) => j.uuid);
      while ((await totalVersions(store, uuids)) < 1000) await sleep(20);
      execFileSync('rabbitmqctl', ['stop_app'], { stdio: 'ignore' });
      t.teardown(() => void execFileSync('rabbitmqctl', ['start_app'], { stdio: 'ignore' }));
      // A restarting broker under load can take many seconds to accept connections again: the
      // publishes must outlast the outage itself, not the bus's default wait for an answer.
      const publishing = rig.publish(order.slice(2500), { unavailableAfterMs: scaledMs(120_000) });
      await sleep(3000);
      execFileSync('rabbitmqctl', ['start_app'], { stdio: 'ignore' });
      await publishing;
      t.pass('publishes issued during the outage were confirmed after it');
      t.equal(
        await waitForVersions(store, new Map([...expected].map(([u, s]) => [u, s.version])), 180_000),
        0,
        'every job finished',
      );
      await sameAsReference(t, store, expected);
    },
  );
}

if ('skip' in mongo) {
  t.test('store outage', { skip: mongo.skip }, () => {});
} else {
  t.test('the store unreachable for 5 s mid-stream: nothing acked without its commit, all applied after', async (t) => {
    const target = new URL(mongo.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 27017));
    const port = proxy.port;
    t.teardown(() => proxy.close());
    const kind = {
      bus: 'local' as const,
      store: { mongo: `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=2000&directConnection=true` },
    };
    const rig = new ManagerRig(kind);
    t.teardown(() => rig.dispose().catch(() => undefined));
    const tokens = new JobTokens(TEST_SECRET);
    const jobs = makeStream({ jobs: 300, eventsPerJob: 10, tokens });
    const expected = await referenceRun(jobs, tokens);
    const { metrics } = await rig.startManager({ transientBackoff: { initialMs: 50, maxMs: 1000 } });
    const count = async (outcome: string): Promise<number> =>
      (await metrics.events.get()).values
        .filter((v) => v.labels['outcome'] === outcome)
        .reduce((n, v) => n + v.value, 0);
    await rig.publish(deliveryOrder(jobs, { twice: false, window: 1, seed: 13 }));
    while ((await count('applied')) < 500) await sleep(5);
    await proxy.down();
    const atCut = await count('applied');
    t.ok(atCut < 3000, `cut mid-stream (${atCut} of 3,000 applied)`);
    await sleep(5000);
    t.ok(
      (await count('applied')) - atCut <= 100,
      'while the store was away, nothing beyond the in-flight prefetch was applied',
    );
    await proxy.up();
    const store = await rig.store();
    t.equal(
      await waitForVersions(store, new Map([...expected].map(([u, s]) => [u, s.version])), 120_000),
      0,
      'every job finished',
    );
    await sameAsReference(t, store, expected);
    const transient = await count('transient');
    t.ok(transient > 0, `the outage was felt (${transient} store failures retried)`);
    t.same(await (await rig.publisher()).drainDeadLetters(10), [], 'nothing dead-lettered');
  });
}
