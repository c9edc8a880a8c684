import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { claimNote, releaseNote } from '../../model/claim-note.js';
import type { JobStore } from '../../ports/job-store.js';
import { createJob, send } from '../helpers/jobs.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

/**
 * The claim part of the JobStore contract (run by {@link jobStoreContract} on every adapter):
 * `claimable` finds the free jobs of a site queue in the order they became free, and a claim is a note written by the
 * conditional `apply`, so of concurrent claimers of one job exactly one wins.
 */
export function jobStoreClaimContract(t: Test, withStore: (t: Test) => Promise<JobStore>): void {
  t.test('claims: claimable lists the free CREATED jobs of one site queue, first come first served', async (t) => {
    const store = await withStore(t);
    const a1 = await createJob(store, { pipeline: 'pr', site: 'ogg' }, at(1));
    const a2 = await createJob(store, { pipeline: 'pr', site: 'ogg' }, at(2));
    const a3 = await createJob(store, { pipeline: 'pr', site: 'ogg' }, at(3));
    const replica = await createJob(store, { pipeline: 'pr', site: 'ogg', queue: 'replica' }, at(4));
    await createJob(store, { pipeline: 'pr', site: 'elp' }, at(5));
    await createJob(store, { pipeline: 'pr' }, at(6));
    t.equal(a1.queue, 'primary', 'a job with a site waits in the primary queue by default');
    const uuids = async (queue = 'primary', now = at(10), limit = 10): Promise<string[]> =>
      (await store.claimable({ site: 'ogg', queue, now, limit })).map((j) => j.uuid);
    t.same(await uuids(), [a1.uuid, a2.uuid, a3.uuid], 'oldest first, that site and queue only');
    t.same(await uuids('primary', at(10), 2), [a1.uuid, a2.uuid], 'limit');
    t.same(await uuids('replica'), [replica.uuid], 'the replica queue is its own');

    const claimed = await store.apply(
      claimNote(a1, { requestId: randomUUID(), by: 'poller-1', now: at(10), leaseMs: 1000, source: 'test' }),
    );
    t.match(claimed, {
      outcome: 'applied',
      job: {
        state: 'CREATED',
        version: 2,
        lastEvent: 'create',
        claim: { by: 'poller-1', until: at(1010).toISOString() },
      },
      entry: { name: 'claim', state: 'CREATED', version: 2, data: { by: 'poller-1', until: at(1010).toISOString() } },
    });
    t.same(await uuids(), [a2.uuid, a3.uuid], 'a live lease hides the job');
    t.same(
      await uuids('primary', at(1010)),
      [a2.uuid, a3.uuid, a1.uuid],
      'an expired lease shows it again, after the jobs nobody has held yet',
    );
    const a3claim = await store.apply(
      claimNote(a3, { requestId: randomUUID(), by: 'poller-2', now: at(20), leaseMs: 500, source: 'test' }),
    );
    t.equal(a3claim.outcome, 'applied');
    t.same(
      await uuids('primary', at(2000)),
      [a2.uuid, a3.uuid, a1.uuid],
      'expired leases in the order they ran out: a job never waits behind ones that came back after it',
    );
    t.same(
      (await store.history(a1.uuid)).map((h) => h.name),
      ['create', 'claim'],
      'the claim is in the history',
    );
    const started = await send(store, a2.uuid, 'run');
    t.equal(started.outcome, 'applied');
    t.same(await uuids('primary', at(2000)), [a3.uuid, a1.uuid], 'a job that left CREATED is not claimable');
  });

  t.test('claims: of concurrent claims of one job at one version exactly one wins', async (t) => {
    const store = await withStore(t);
    const job = await createJob(store, { pipeline: 'pr', site: 'ogg' });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.apply(
          claimNote(job, { requestId: randomUUID(), by: `p${i}`, now: new Date(), leaseMs: 60_000, source: 'test' }),
        ),
      ),
    );
    t.equal(outcomes.filter((o) => o.outcome === 'applied').length, 1, 'one winner');
    t.same(
      outcomes.filter((o) => o.outcome !== 'applied').map((o) => o.outcome),
      Array.from({ length: 7 }, () => 'transient'),
      'the others lost the version race',
    );
    const winner = outcomes.find((o) => o.outcome === 'applied');
    const stored = await store.get(job.uuid);
    t.equal(
      stored?.claim?.by,
      winner?.outcome === 'applied' ? winner.job.claim?.by : 'none',
      'the job names the winner',
    );
    t.equal((await store.history(job.uuid)).length, 2, 'one claim note');
  });

  t.test('claims: a later claim records the expired lease; release and run clear the claim', async (t) => {
    const store = await withStore(t);
    const job = await createJob(store, { pipeline: 'pr', site: 'ogg' });
    const first = await store.apply(
      claimNote(job, { requestId: randomUUID(), by: 'a', now: at(0), leaseMs: 1000, source: 'test' }),
    );
    if (first.outcome !== 'applied') throw new Error('claim refused');
    const second = await store.apply(
      claimNote(first.job, { requestId: randomUUID(), by: 'b', now: at(2000), leaseMs: 1000, source: 'test' }),
    );
    t.match(second, {
      outcome: 'applied',
      entry: { data: { by: 'b', until: at(3000).toISOString(), expired: { by: 'a', until: at(1000).toISOString() } } },
      job: { claim: { by: 'b' } },
    });
    if (second.outcome !== 'applied') throw new Error('claim refused');
    const released = await store.apply(
      releaseNote(second.job, { requestId: randomUUID(), by: 'b', now: at(2500), source: 'test' }),
    );
    t.match(released, { outcome: 'applied', entry: { name: 'release', state: 'CREATED', version: 4 } });
    t.equal((await store.get(job.uuid))?.claim, undefined, 'released: nobody holds it');
    t.equal((await store.get(job.uuid))?.lastEvent, 'create', 'notes leave lastEvent alone');

    const again = await store.apply(
      claimNote((await store.get(job.uuid))!, {
        requestId: randomUUID(),
        by: 'c',
        now: new Date(),
        leaseMs: 60_000,
        source: 'test',
      }),
    );
    t.equal(again.outcome, 'applied');
    t.match(await send(store, job.uuid, 'run'), { outcome: 'applied', job: { state: 'RUNNING' } });
    const running = await store.get(job.uuid);
    t.equal(running?.claim, undefined, 'run ended the lease in the same write');
    t.equal(running?.lastEvent, 'run');
  });
}
