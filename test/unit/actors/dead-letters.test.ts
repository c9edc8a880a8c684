import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { DeadLetters } from '../../../actors/dead-letters.js';
import { LocalEventBus } from '../../../adapters/bus/local/local-event-bus.js';
import { SqliteDeadLetterStore } from '../../../adapters/dead-letters/sqlite-dead-letter-store.js';
import { JobTokens } from '../../../model/job-tokens.js';
import type { EventBus } from '../../../ports/event-bus.js';
import { silentLogger } from '../../../ports/logger.js';
import { TEST_SECRET } from '../../helpers/manager-rig.js';

const tokens = new JobTokens(TEST_SECRET);

/** A started embedded bus whose every message is dead-lettered (`x-code` names the reason), as a manager would. */
async function refusingBus(t: Test): Promise<EventBus> {
  const bus = new LocalEventBus({ path: ':memory:' });
  await bus.start();
  const sub = await bus.consume(
    (d) =>
      void d.deadLetter({ code: String(d.headers['x-code'] ?? 'schema_violation'), message: 'no', token: 'verified' }),
  );
  t.teardown(async () => {
    await sub.stop();
    await bus.close();
  });
  return bus;
}

async function store(t: Test): Promise<SqliteDeadLetterStore> {
  const kept = new SqliteDeadLetterStore({ path: ':memory:' });
  await kept.init();
  t.teardown(() => kept.close().catch(() => undefined));
  return kept;
}

/** How many letters wait on the bus's dead-letter queue, read without taking them (the keep refuses). */
async function waiting(bus: EventBus): Promise<number> {
  let seen = 0;
  await bus
    .drainDeadLetters(100, async (letters) => {
      seen = letters.length;
      throw new Error('only looking');
    })
    .catch(() => undefined);
  return seen;
}

async function until(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return true;
    await sleep(25);
  }
  return false;
}

t.test('a sweep removes letters from the bus only once the store has them', async (t) => {
  const bus = await refusingBus(t);
  for (let i = 0; i < 3; i++) await bus.publish(Buffer.from(`{"n":${i}}`));
  const broken = new SqliteDeadLetterStore({ path: ':memory:' });
  await broken.init();
  await broken.close();
  const failing = new DeadLetters({ bus, store: broken, tokens, logger: silentLogger });
  t.ok(await until(async () => (await waiting(bus)) === 3), 'all three dead-lettered');
  await t.rejects(failing.sweep(), 'a store that fails fails the sweep');
  const kept = await store(t);
  const keeper = new DeadLetters({ bus, store: kept, tokens, logger: silentLogger });
  t.equal(await keeper.sweep(), 3, 'nothing was lost');
  t.equal(await keeper.sweep(), 0, 'and each taken once');
  t.same(await kept.counts(), [{ code: 'schema_violation', count: 3 }]);
});

t.test('the keeper sweeps on its own until stopped', async (t) => {
  const bus = await refusingBus(t);
  const kept = await store(t);
  const keeper = new DeadLetters({ bus, store: kept, tokens, logger: silentLogger });
  keeper.start(20);
  await bus.publish(Buffer.from('{}'), { headers: { 'x-code': 'unknown_job' } });
  t.ok(await until(async () => (await kept.counts()).length === 1), 'kept without anyone asking');
  await keeper.stop();
  await bus.publish(Buffer.from('{}'), { headers: { 'x-code': 'unknown_job' } });
  await sleep(200);
  t.same(await kept.counts(), [{ code: 'unknown_job', count: 1 }], 'not after stop');
});

t.test('a replay by code sends each waiting letter once and not the ones refused again meanwhile', async (t) => {
  const bus = await refusingBus(t);
  const kept = await store(t);
  const keeper = new DeadLetters({ bus, store: kept, tokens, logger: silentLogger });
  for (let i = 0; i < 150; i++) {
    const uuid = randomUUID();
    await bus.publish(Buffer.from(JSON.stringify({ id: randomUUID(), name: 'run', uuid })), {
      headers: { 'x-code': 'unknown_job' },
    });
  }
  t.ok(await until(async () => (await keeper.sweep()) >= 0 && (await kept.counts())[0]?.count === 150), 'all kept');
  keeper.start(5);
  t.same(await keeper.replayCode('unknown_job'), { replayed: 150, unverified: 0 });
  t.ok(await until(async () => (await kept.counts())[0]?.count === 150), 'all refused again, as new letters');
  await keeper.stop();
  t.equal((await kept.list({ limit: 1000, replayed: true })).length, 300, 'the first ones marked replayed');
});

t.test('a replay that cannot be sent gives its claim back', async (t) => {
  const bus = new LocalEventBus({ path: ':memory:' });
  await bus.start();
  const kept = await store(t);
  const keeper = new DeadLetters({ bus, store: kept, tokens, logger: silentLogger });
  const id = randomUUID();
  await kept.keep([
    {
      id,
      deadAt: new Date().toISOString(),
      body: Buffer.from('{}'),
      routingKey: 'event',
      headers: {},
      reason: { code: 'unknown_job', message: 'no', token: 'verified' },
      attempts: 0,
    },
  ]);
  await bus.close();
  await t.rejects(keeper.replay(id));
  t.equal((await kept.get(id))?.replayedAt, undefined, 'still waiting');
  const missing = randomUUID();
  t.same(await keeper.replay(missing), { outcome: 'not_found', id: missing });
});
