import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import type { DeadLetter, Delivery, EventBus, StateNotification } from '../../ports/event-bus.js';

/**
 * Makes a started bus on fresh, isolated names. `another()` opens a second, started bus on the
 * SAME queues (another process, or this one after a restart).
 */
export type BusFactory = () => Promise<{
  bus: EventBus;
  another: () => Promise<EventBus>;
  dispose: () => Promise<void>;
}>;

async function setup(t: Test, makeBus: BusFactory): Promise<{ bus: EventBus; another: () => Promise<EventBus> }> {
  const { bus, another, dispose } = await makeBus();
  t.teardown(dispose);
  return { bus, another };
}

/** Collects deliveries until `count` arrived or `timeoutMs` passed. */
async function collect(
  bus: EventBus,
  count: number,
  timeoutMs = 10_000,
  prefetch = 50,
): Promise<{ deliveries: Delivery[]; stop: () => Promise<void> }> {
  const deliveries: Delivery[] = [];
  const sub = await bus.consume((d) => deliveries.push(d), { prefetch });
  const deadline = Date.now() + timeoutMs;
  while (deliveries.length < count && Date.now() < deadline) await sleep(10);
  return { deliveries, stop: () => sub.stop() };
}

const text = (d: { body: Buffer }): string => d.body.toString('utf8');

function notification(pipeline: string, state: string, n: number): StateNotification {
  // A date fixed by n, so the notification built again to compare with equals the one published.
  return {
    uuid: `u${n}`,
    pipeline,
    state,
    previousState: 'CREATED',
    version: n,
    event: 'run',
    eventId: `e${n}`,
    date: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(),
  };
}

/** Options of {@link eventBusContract}. */
export interface EventBusContractOptions {
  /**
   * False for a bus whose queues die with the instance (local bus on `:memory:`): `another()`
   * cannot reach them, so the "acked is gone" check uses a new consumer on the same instance
   * and the hand-over-on-close test is skipped. Default true.
   */
  readonly sharedAcrossInstances?: boolean;
}

/** The EventBus contract: every adapter must pass all of it unchanged. */
export function eventBusContract(t: Test, makeBus: BusFactory, options: EventBusContractOptions = {}): void {
  const shared = options.sharedAcrossInstances ?? true;

  t.test('publish → consume carries body, routing key, headers and reply address; ack removes it', async (t) => {
    const { bus, another } = await setup(t, makeBus);
    await bus.publish(Buffer.from('{"n":1}'), {
      routingKey: 'p1.run',
      headers: { 'x-a': 'b', 'x-n': 3 },
      replyTo: 'r',
      correlationId: 'c1',
      messageId: 'm1',
    });
    const { deliveries, stop } = await collect(bus, 1);
    t.equal(deliveries.length, 1);
    const [d] = deliveries;
    t.match(d, {
      routingKey: 'p1.run',
      headers: { 'x-a': 'b', 'x-n': 3 },
      replyTo: 'r',
      correlationId: 'c1',
      messageId: 'm1',
      attempts: 0,
      redelivered: false,
    });
    t.equal(d && text(d), '{"n":1}');
    await d?.ack();
    await stop();
    const second = shared ? await another() : bus;
    const again = await collect(second, 1, 500);
    t.equal(again.deliveries.length, 0, 'an acked message is gone for every consumer');
    await again.stop();
    if (shared) await second.close();
  });

  t.test('messages arrive in publish order', async (t) => {
    const { bus } = await setup(t, makeBus);
    for (let i = 0; i < 200; i++) await bus.publish(Buffer.from(String(i)));
    const { deliveries, stop } = await collect(bus, 200, 10_000, 200);
    t.same(
      deliveries.map(text),
      Array.from({ length: 200 }, (_, i) => String(i)),
    );
    await Promise.all(deliveries.map((d) => d.ack()));
    await stop();
  });

  t.test('prefetch bounds the unsettled deliveries', async (t) => {
    const { bus } = await setup(t, makeBus);
    for (let i = 0; i < 20; i++) await bus.publish(Buffer.from(String(i)));
    const { deliveries, stop } = await collect(bus, 20, 700, 5);
    t.equal(deliveries.length, 5, 'five handed out, none more until settled');
    await deliveries[0]?.ack();
    const deadline = Date.now() + 5000;
    while (deliveries.length < 6 && Date.now() < deadline) await sleep(10);
    t.equal(deliveries.length, 6, 'settling one lets one more through');
    await Promise.all(deliveries.map((d) => d.ack()));
    await stop();
  });

  t.test(
    'an unsettled message is handed out again when its consumer goes away',
    { skip: shared ? false : 'the queues do not outlive the instance' },
    async (t) => {
      const { bus, another } = await setup(t, makeBus);
      await bus.publish(Buffer.from('keep me'));
      const first = await collect(bus, 1);
      t.equal(first.deliveries.length, 1);
      await bus.close();
      const second = await another();
      const again = await collect(second, 1, 20_000);
      t.equal(again.deliveries.length, 1, 'redelivered to the next consumer');
      t.match(again.deliveries[0], { redelivered: true });
      await again.deliveries[0]?.ack();
      await again.stop();
      await second.close();
    },
  );

  t.test('requeue hands the message out again, marked redelivered', async (t) => {
    const { bus } = await setup(t, makeBus);
    await bus.publish(Buffer.from('again'));
    const seen: Delivery[] = [];
    const sub = await bus.consume((d) => {
      seen.push(d);
      if (seen.length === 1) void d.requeue();
      else void d.ack();
    });
    const deadline = Date.now() + 10_000;
    while (seen.length < 2 && Date.now() < deadline) await sleep(10);
    await sub.stop();
    t.equal(seen.length, 2);
    t.match(seen[1], { redelivered: true, attempts: 0 });
  });

  t.test('retryLater brings the message back after the delay, counting attempts', async (t) => {
    const { bus } = await setup(t, makeBus);
    await bus.publish(Buffer.from('later'), { routingKey: 'k.retry', headers: { 'x-keep': 'yes' } });
    const seen: Array<{ at: number; d: Delivery }> = [];
    const sub = await bus.consume((d) => {
      seen.push({ at: Date.now(), d });
      if (d.attempts < 2) void d.retryLater(300);
      else void d.ack();
    });
    const deadline = Date.now() + 15_000;
    while (seen.length < 3 && Date.now() < deadline) await sleep(10);
    await sub.stop();
    t.same(
      seen.map((s) => s.d.attempts),
      [0, 1, 2],
    );
    t.ok((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0) >= 250, 'waited about the delay');
    t.match(seen[2]?.d, { routingKey: 'k.retry', headers: { 'x-keep': 'yes' } });
    t.equal(seen[2] && text(seen[2].d), 'later');
  });

  t.test('deadLetter keeps body, routing key, headers and the reason', async (t) => {
    const { bus } = await setup(t, makeBus);
    await bus.publish(Buffer.from('bad'), { routingKey: 'p.fail', headers: { 'x-a': 1 } });
    await bus.publish(Buffer.from('worse'));
    const { deliveries, stop } = await collect(bus, 2);
    await deliveries[0]?.deadLetter({ code: 'schema_violation', message: 'event.data must be object' });
    await deliveries[1]?.retryLater(10);
    await stop();
    const sub = await bus.consume((d) => void d.deadLetter({ code: 'illegal_transition', message: 'no' }));
    let dead = await bus.drainDeadLetters(10);
    const deadline = Date.now() + 10_000;
    while (dead.length < 2 && Date.now() < deadline) {
      await sleep(50);
      dead = [...dead, ...(await bus.drainDeadLetters(10))];
    }
    await sub.stop();
    t.equal(dead.length, 2);
    t.match(dead[0], {
      routingKey: 'p.fail',
      headers: { 'x-a': 1 },
      reason: { code: 'schema_violation', message: 'event.data must be object' },
      attempts: 0,
    });
    t.equal(dead[0] && text(dead[0]), 'bad');
    t.match(dead[1], { reason: { code: 'illegal_transition' }, attempts: 1 });
    t.same(await bus.drainDeadLetters(10), [], 'drained');
  });

  t.test('deadLetter keeps the form it is given instead of the body, and what was known of the token', async (t) => {
    const { bus } = await setup(t, makeBus);
    await bus.publish(Buffer.from('{"name":"run","token":"secret"}'), { routingKey: 'p.run', headers: { 'x-a': 'b' } });
    await bus.publish(Buffer.from('{"name":"run"}'));
    const { deliveries, stop } = await collect(bus, 2);
    await deliveries[0]?.deadLetter(
      { code: 'illegal_transition', message: 'no', token: 'verified' },
      Buffer.from('{"name":"run"}'),
    );
    await deliveries[1]?.deadLetter({ code: 'schema_violation', message: 'bad' });
    await stop();
    let dead = await bus.drainDeadLetters(10);
    const deadline = Date.now() + 10_000;
    while (dead.length < 2 && Date.now() < deadline) {
      await sleep(50);
      dead = [...dead, ...(await bus.drainDeadLetters(10))];
    }
    t.equal(dead.length, 2);
    t.match(dead[0], {
      routingKey: 'p.run',
      headers: { 'x-a': 'b' },
      reason: { code: 'illegal_transition', message: 'no', token: 'verified' },
    });
    t.equal(dead[0] && text(dead[0]), '{"name":"run"}', 'the given form, not the body with its token');
    t.match(
      dead[1],
      { reason: { code: 'schema_violation', token: 'unchecked' } },
      'unchecked when the consumer did not say',
    );
  });

  t.test('a dead letter keeps its id until it is kept: drained only once keep resolves', async (t) => {
    const { bus } = await setup(t, makeBus);
    const before = Date.now();
    await bus.publish(Buffer.from('one'), { messageId: 'm-1' });
    await bus.publish(Buffer.from('two'));
    const { deliveries, stop } = await collect(bus, 2);
    for (const d of deliveries) await d.deadLetter({ code: 'schema_violation', message: 'bad' });
    await stop();
    const waitFor = async (keep: (letters: readonly DeadLetter[]) => Promise<void>): Promise<DeadLetter[]> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          const got = await bus.drainDeadLetters(10, keep);
          if (got.length > 0 || Date.now() > deadline) return got;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          if (!(err instanceof Error && err.message === 'store down')) throw err;
          return [];
        }
        await sleep(50);
      }
    };
    const offered: DeadLetter[] = [];
    await waitFor(async (letters) => {
      offered.push(...letters);
      throw new Error('store down');
    });
    t.equal(offered.length, 2, 'both offered to keep');
    t.ok(
      offered.every((d) => d.id.length > 0 && Date.parse(d.deadAt) >= before - 1000),
      'each with an id and the time it died',
    );
    t.not(offered[0]?.id, offered[1]?.id, 'ids differ');
    t.equal(offered[0]?.messageId, 'm-1', 'the message id is kept');
    const kept: DeadLetter[] = [];
    let got: DeadLetter[] = [];
    const deadline = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < deadline) {
      got = [
        ...got,
        ...(await bus.drainDeadLetters(10, async (letters) => {
          kept.push(...letters);
        })),
      ];
      if (got.length < 2) await sleep(50);
    }
    t.same(
      kept.map((d) => d.id).sort(),
      offered.map((d) => d.id).sort(),
      'a keep that failed left them, with the same ids',
    );
    t.same(
      got.map((d) => d.id),
      kept.map((d) => d.id),
      'returned once kept',
    );
    t.same(await bus.drainDeadLetters(10), [], 'and then gone');
  });

  t.test('state notifications reach matching subscribers only', async (t) => {
    const { bus } = await setup(t, makeBus);
    const all: StateNotification[] = [];
    const p1: StateNotification[] = [];
    const finished: StateNotification[] = [];
    const subs = [
      await bus.subscribeState('#', (n) => all.push(n)),
      await bus.subscribeState('p1.*', (n) => p1.push(n)),
      await bus.subscribeState('*.FINISHED', (n) => finished.push(n)),
    ];
    await bus.publishState(notification('p1', 'RUNNING', 1));
    await bus.publishState(notification('p2', 'FINISHED', 2));
    await bus.publishState(notification('p1', 'FINISHED', 3));
    const deadline = Date.now() + 5000;
    while (all.length < 3 && Date.now() < deadline) await sleep(10);
    await sleep(100);
    await Promise.all(subs.map((s) => s.stop()));
    t.same(
      all.map((n) => n.version),
      [1, 2, 3],
    );
    t.same(
      p1.map((n) => n.version),
      [1, 3],
    );
    t.same(
      finished.map((n) => n.version),
      [2, 3],
    );
    t.match(all[0], notification('p1', 'RUNNING', 1));
  });

  t.test('request gets the reply of the consumer', async (t) => {
    const { bus } = await setup(t, makeBus);
    const sub = await bus.consume((d) => {
      void (async () => {
        if (d.replyTo !== undefined && d.correlationId !== undefined)
          await d.ack().then(() => bus.reply(d.replyTo ?? '', d.correlationId ?? '', { echo: text(d) }));
      })();
    });
    const answers = await Promise.all([1, 2, 3].map((n) => bus.request(Buffer.from(`q${n}`), { timeoutMs: 5000 })));
    t.same(answers, [{ echo: 'q1' }, { echo: 'q2' }, { echo: 'q3' }]);
    await sub.stop();
    await t.rejects(
      bus.request(Buffer.from('nobody'), { timeoutMs: 200 }),
      /timed out/i,
      'no consumer: the request times out',
    );
  });

  t.test('a request whose signal aborts stops waiting, reporting the event as published', async (t) => {
    const { bus } = await setup(t, makeBus);
    const early = new AbortController();
    const waiting = bus.request(Buffer.from('abandoned'), { timeoutMs: 60_000, signal: early.signal });
    await sleep(200);
    const started = Date.now();
    early.abort();
    await t.rejects(waiting, { name: 'RequestTimeoutError', published: true }, 'aborted after the confirm: published');
    t.ok(Date.now() - started < 1000, 'at once, not after the timeout');
    const aborted = new AbortController();
    aborted.abort();
    await t.rejects(
      bus.request(Buffer.from('never waited'), { timeoutMs: 60_000, signal: aborted.signal }),
      { name: 'RequestTimeoutError', published: true },
      'aborted before the publish: waits for the confirm only',
    );
    const taken: string[] = [];
    const sub = await bus.consume((d) => {
      taken.push(text(d));
      void d.ack();
    });
    for (let i = 0; i < 100 && taken.length < 2; i++) await sleep(20);
    await sub.stop();
    t.same(
      taken.sort(),
      ['abandoned', 'never waited'],
      'both were delivered: abandoning a wait never withdraws the message',
    );
  });

  t.test('isHealthy is true while started', async (t) => {
    const { bus } = await setup(t, makeBus);
    t.equal(await bus.isHealthy(), true);
  });
}
