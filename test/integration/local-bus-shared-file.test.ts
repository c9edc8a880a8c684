import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { LocalEventBus, type LocalEventBusOptions } from '../../adapters/bus/local/local-event-bus.js';
import type { Delivery, StateNotification } from '../../ports/event-bus.js';

/** Opens started buses on one temp file; all closed and the file removed with the test. */
function onOneFile(t: Test): (options?: Omit<LocalEventBusOptions, 'path'>) => Promise<LocalEventBus> {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bus-'));
  const opened: LocalEventBus[] = [];
  t.teardown(async () => {
    for (const bus of opened) await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return async (options = {}) => {
    const bus = new LocalEventBus({ ...options, path: join(dir, 'bus.db') });
    await bus.start();
    opened.push(bus);
    return bus;
  };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(10);
  return condition();
}

const text = (d: { body: Buffer }): string => d.body.toString('utf8');

t.test('two instances on one file share the work: every message exactly once', async (t) => {
  const open = onOneFile(t);
  const [a, b] = [await open(), await open()];
  const seen: string[] = [];
  const handler = (d: Delivery): void => {
    seen.push(text(d));
    // Settling later lets the other instance lease while this one holds messages.
    setTimeout(() => void d.ack(), Math.random() * 5);
  };
  const subs = [await a.consume(handler, { prefetch: 20 }), await b.consume(handler, { prefetch: 20 })];
  await Promise.all(Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? a : b).publish(Buffer.from(String(i)))));
  t.ok(await until(() => seen.length >= 1000), `all arrived (${seen.length})`);
  await sleep(200);
  await Promise.all(subs.map((s) => s.stop()));
  t.equal(seen.length, 1000, 'none twice');
  t.equal(new Set(seen).size, 1000, 'each once');
});

t.test(
  'after stop, held deliveries still settle; after close, settling is a no-op and the next instance gets them',
  async (t) => {
    const open = onOneFile(t);
    const first = await open();
    for (const n of [1, 2, 3]) await first.publish(Buffer.from(String(n)));
    const held: Delivery[] = [];
    const sub = await first.consume((d) => held.push(d));
    t.ok(await until(() => held.length === 3));
    await sub.stop();
    await held[0]?.ack();
    await held[0]?.requeue();
    await first.close();
    await held[1]?.ack();
    t.equal(await first.isHealthy(), false);
    await t.rejects(first.publish(Buffer.from('late')), /closed/);

    const second = await open();
    const again: Delivery[] = [];
    await second.consume((d) => again.push(d));
    t.ok(await until(() => again.length === 2));
    t.same(again.map(text), ['2', '3'], 'the ack after close changed nothing; the second ack of 1 did not requeue it');
    t.same(
      again.map((d) => d.redelivered),
      [true, true],
    );
  },
);

t.test('a handler that stops its subscription mid-batch: the rest of the batch goes back at once', async (t) => {
  const open = onOneFile(t);
  const bus = await open();
  for (let i = 0; i < 10; i++) await bus.publish(Buffer.from(String(i)));
  const firstSeen: string[] = [];
  const sub = await bus.consume((d) => {
    firstSeen.push(text(d));
    void d.ack();
    if (firstSeen.length === 3) void sub.stop();
  });
  t.ok(await until(() => firstSeen.length >= 3));
  await sleep(100);
  t.same(firstSeen, ['0', '1', '2'], 'nothing after stop');
  const rest: string[] = [];
  await bus.consume((d) => {
    rest.push(text(d));
    void d.ack();
  });
  t.ok(await until(() => rest.length === 7, 2000), 'without waiting for a lease to run out');
  t.same(rest, ['3', '4', '5', '6', '7', '8', '9']);
});

t.test(
  'a handler that closes the bus mid-batch: the next instance gets the whole unsettled rest at once',
  async (t) => {
    const open = onOneFile(t);
    const first = await open();
    for (let i = 0; i < 5; i++) await first.publish(Buffer.from(String(i)));
    const seen: string[] = [];
    await first.consume((d) => {
      seen.push(text(d));
      if (seen.length === 1) void d.ack().then(() => first.close());
      else void first.close();
    });
    t.ok(await until(() => seen.length >= 2));
    await sleep(50);
    const second = await open();
    const rest: string[] = [];
    await second.consume((d) => {
      rest.push(text(d));
      void d.ack();
    });
    t.ok(await until(() => rest.length === 4, 2000), 'without waiting for a lease to run out');
    t.same(rest, ['1', '2', '3', '4']);
  },
);

t.test('replies and state notifications reach other instances of this process on the same file only', async (t) => {
  const open = onOneFile(t);
  const [requester, responder] = [await open(), await open()];
  await responder.consume((d) => {
    void d.ack().then(() => responder.reply(d.replyTo ?? '', d.correlationId ?? '', { got: text(d), at: new Date(0) }));
  });
  t.same(
    await requester.request(Buffer.from('ping'), { timeoutMs: 5000 }),
    { got: 'ping', at: '1970-01-01T00:00:00.000Z' },
    'the reply travels as JSON',
  );
  await t.resolves(responder.reply('local-reply:nobody', 'c', {}), 'a reply nobody waits for is dropped');

  const other = new LocalEventBus({ path: ':memory:' });
  await other.start();
  t.teardown(() => other.close());
  const sameFile: StateNotification[] = [];
  const otherFile: StateNotification[] = [];
  await responder.subscribeState('#', (n) => sameFile.push(n));
  await other.subscribeState('#', (n) => otherFile.push(n));
  const n: StateNotification = {
    uuid: 'u',
    pipeline: 'p',
    state: 'RUNNING',
    previousState: 'CREATED',
    version: 2,
    event: 'run',
    eventId: 'e',
    date: new Date(0).toISOString(),
  };
  await requester.publishState(n);
  t.ok(await until(() => sameFile.length === 1));
  t.same(sameFile, [n]);
  t.not(sameFile[0], n, 'each subscriber gets its own copy');
  t.same(otherFile, []);
});

t.test('misuse fails clearly', async (t) => {
  const bus = new LocalEventBus({ path: ':memory:' });
  await t.rejects(bus.publish(Buffer.from('x')), /not started/);
  await bus.start();
  t.teardown(() => bus.close());
  await t.rejects(
    bus.consume(() => undefined, { prefetch: 0 }),
    RangeError,
  );
  await t.rejects(bus.publish('x' as unknown as Buffer), TypeError);
  await bus.publish(Buffer.from('x'));
  const got: Delivery[] = [];
  await bus.consume((d) => got.push(d));
  t.ok(await until(() => got.length === 1));
  await t.rejects(got[0]?.retryLater(Number.NaN) ?? Promise.resolve(), RangeError);
  await t.resolves(
    got[0]?.ack() ?? Promise.reject(new Error('no delivery')),
    'a refused settlement leaves the delivery settleable',
  );
});
