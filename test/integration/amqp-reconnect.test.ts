import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import t from 'tap';
import type { Test } from 'tap';
import { AmqpEventBus } from '../../adapters/bus/amqp/amqp-event-bus.js';
import type { Delivery, StateNotification } from '../../ports/event-bus.js';
import { serviceUrl, servicesRequired, uniqueName } from '../helpers/services.js';
import { proxyInFrontOf } from '../helpers/tcp-proxy.js';

const run = promisify(execFile);

/** Log lines a bus wrote, to check it reported the loss and the recovery. */
interface Line {
  readonly level: 'warn' | 'info';
  readonly msg: string;
}

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', args, { timeout: 30_000 });
  return stdout;
}

/** Why the suite cannot force connections closed here, if it cannot. */
async function rabbitmqctlUnusable(): Promise<string | undefined> {
  try {
    await rabbitmqctl('-q', 'list_connections', 'pid');
    return undefined;
  } catch (err) {
    return `rabbitmqctl cannot list connections here (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

/** Broker-side ids of the connections whose client-supplied name is exactly `name`. */
async function connectionPids(name: string): Promise<string[]> {
  const out = await rabbitmqctl('-q', 'list_connections', '--no-table-headers', 'pid', 'client_properties');
  const tag = `{"connection_name",${JSON.stringify(name)}}`;
  return out
    .split('\n')
    .filter((line) => line.includes(tag))
    .map((line) => line.split('\t')[0] ?? '');
}

/** Closes the bus's connection from the broker side (CONNECTION_FORCED), as a network failure would. */
async function forceClose(t: Test, bus: AmqpEventBus): Promise<string> {
  const pids = await connectionPids(bus.connectionName);
  t.equal(pids.length, 1, 'found the bus connection on the broker');
  const [pid] = pids;
  if (pid === undefined) throw new Error(`no connection named ${bus.connectionName}`);
  await rabbitmqctl('close_connection', pid, 'pipelinejobs reconnect test');
  return pid;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(10);
  return condition();
}

const service = serviceUrl('PJM_TEST_AMQP_URL');

if ('skip' in service) {
  t.test('AMQP reconnection', { skip: service.skip }, () => {});
} else {
  const url = service.url;
  const noCtl = await rabbitmqctlUnusable();
  if (noCtl !== undefined && servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${noCtl}`);
  /** Tests that close connections from the broker side need rabbitmqctl on this machine. */
  const needsCtl = { skip: noCtl ?? false };

  /** A started bus on fresh names, with its log; removed in teardown. */
  async function openBus(
    t: Test,
    onWarn: (msg: string) => void = () => undefined,
  ): Promise<{ bus: AmqpEventBus; log: Line[]; prefix: string }> {
    const prefix = uniqueName('pjm_reconnect');
    const log: Line[] = [];
    const logger = {
      warn: (_obj: object, msg: string) => {
        log.push({ level: 'warn', msg });
        onWarn(msg);
      },
      info: (_obj: object, msg: string) => void log.push({ level: 'info', msg }),
    };
    const bus = new AmqpEventBus({ url, prefix, logger, reconnect: { initialMs: 50, maxMs: 1000 } });
    await bus.start();
    t.teardown(async () => {
      await bus.close();
      await bus.deleteTopology();
    });
    return { bus, log, prefix };
  }

  t.test('a consumer resumes by itself and every message is consumed and acked', needsCtl, async (t) => {
    const { bus, log, prefix } = await openBus(t);
    const total = 600;
    const seen = new Map<number, number>();
    let redelivered = 0;
    const sub = await bus.consume(
      (d) => {
        const n = Number(d.body.toString('utf8'));
        seen.set(n, (seen.get(n) ?? 0) + 1);
        if (d.redelivered) redelivered++;
        // Settle a little later, so some deliveries are unsettled when the connection drops.
        setTimeout(() => void d.ack(), Math.random() * 20);
      },
      { prefetch: 20 },
    );
    const pidBefore = (await connectionPids(bus.connectionName))[0];
    const started = Date.now();
    let forced: Promise<string> | undefined;
    for (let i = 0; i < total; i++) {
      if (i === total / 3) forced = forceClose(t, bus);
      await bus.publish(Buffer.from(String(i)));
    }
    await forced;
    t.ok(await until(() => seen.size === total, 30_000), `all ${total} messages consumed`);
    t.comment(
      `published and consumed ${total} across a forced close in ${Date.now() - started} ms; ${redelivered} redelivered, ${[...seen.values()].filter((c) => c > 1).length} seen twice`,
    );
    t.ok(await until(() => log.some((l) => l.level === 'info'), 10_000), 'recovery logged');
    t.ok(
      log.some((l) => l.level === 'warn' && /connection lost/.test(l.msg)),
      'loss logged as a warning',
    );
    t.equal(await bus.isHealthy(), true, 'healthy again');
    t.not((await connectionPids(bus.connectionName))[0], pidBefore, 'on a new connection');
    await sleep(100);
    await sub.stop();
    await bus.close();

    const after = new AmqpEventBus({ url, prefix });
    await after.start();
    const left: Delivery[] = [];
    const check = await after.consume((d) => left.push(d));
    await sleep(500);
    t.equal(left.length, 0, 'nothing left unacked in the queue');
    await check.stop();
    await after.close();
  });

  t.test('publishes issued during the outage resolve after recovery', needsCtl, async (t) => {
    const during: Array<Promise<void>> = [];
    let healthyDuringOutage: Promise<boolean> | undefined;
    const { bus } = await openBus(t, (msg) => {
      if (!msg.includes('connection lost')) return;
      healthyDuringOutage = bus.isHealthy();
      for (let i = 0; i < 20; i++) during.push(bus.publish(Buffer.from(`during ${i}`)));
    });
    const bodies: string[] = [];
    const sub = await bus.consume((d) => {
      bodies.push(d.body.toString('utf8'));
      void d.ack();
    });
    await forceClose(t, bus);
    t.ok(await until(() => during.length === 20, 10_000), 'publishes issued while disconnected');
    t.equal(await healthyDuringOutage, false, 'unhealthy during the outage');
    const started = Date.now();
    await Promise.all(during);
    t.comment(`the ${during.length} waiting publishes resolved ${Date.now() - started} ms after they were issued`);
    t.ok(await until(() => bodies.length >= 20, 10_000), 'and were consumed');
    t.same(
      bodies.filter((b) => b.startsWith('during')),
      Array.from({ length: 20 }, (_, i) => `during ${i}`),
      'in publish order',
    );
    await sub.stop();
  });

  t.test('a delivery held across the loss settles as a no-op and comes back redelivered', needsCtl, async (t) => {
    const { bus } = await openBus(t);
    const seen: Delivery[] = [];
    const sub = await bus.consume((d) => seen.push(d));
    await bus.publish(Buffer.from('held'));
    t.ok(await until(() => seen.length === 1, 5000), 'delivered');
    await forceClose(t, bus);
    t.ok(await until(() => seen.length === 2, 15_000), 'handed out again on the new connection');
    await seen[0]?.ack();
    t.pass('settling the stale delivery resolved');
    t.match(seen[1], { redelivered: true, attempts: 0 });
    await seen[1]?.ack();
    await sub.stop();
  });

  t.test('state subscriptions are restored', needsCtl, async (t) => {
    const { bus, log } = await openBus(t);
    const got: StateNotification[] = [];
    const sub = await bus.subscribeState('p.*', (n) => got.push(n));
    await forceClose(t, bus);
    t.ok(await until(() => log.some((l) => l.level === 'info'), 15_000), 'reconnected');
    const n = {
      uuid: 'u',
      pipeline: 'p',
      state: 'RUNNING',
      previousState: 'CREATED',
      version: 2,
      event: 'run',
      eventId: 'e',
      date: new Date().toISOString(),
    };
    await bus.publishState(n);
    t.ok(await until(() => got.length === 1, 5000), 'notification received after the reconnection');
    t.same(got, [n]);
    await sub.stop();
  });

  t.test('the bus rebuilds its topology when the broker deletes the queue or the exchange under it', async (t) => {
    const { bus, log, prefix } = await openBus(t);
    const bodies: string[] = [];
    const sub = await bus.consume((d) => {
      bodies.push(d.body.toString('utf8'));
      void d.ack();
    });
    const admin = await connect(url);
    t.teardown(() => admin.close());
    const channel = await admin.createChannel();
    const recoveries = (): number => log.filter((l) => l.level === 'info').length;

    await channel.deleteQueue(`${prefix}.manager`);
    t.ok(await until(() => recoveries() === 1, 15_000), 'consumer cancelled by the broker: reconnected');
    await bus.publish(Buffer.from('after queue loss'));
    t.ok(await until(() => bodies.includes('after queue loss'), 5000), 'queue re-declared and consumed again');

    await channel.deleteExchange(`${prefix}.events`);
    await bus.publish(Buffer.from('after exchange loss'));
    t.ok(
      await until(() => bodies.includes('after exchange loss'), 5000),
      'the publish that hit the missing exchange went through after the rebuild',
    );
    t.equal(recoveries(), 2, 'one more reconnection');
    t.ok(
      log.some((l) => /consumer cancelled by the broker/.test(l.msg)),
      'the cancelled consumer logged',
    );
    t.ok(
      log.some((l) => /channel closed unexpectedly/.test(l.msg)),
      'the closed channel logged',
    );
    await sub.stop();
  });

  t.test(
    'a 3 s outage with every connection attempt failing: backoff, then publishes and consumers resume',
    async (t) => {
      const { proxy, url: proxied } = await proxyInFrontOf(url, 5672);
      t.teardown(() => proxy.close());
      const prefix = uniqueName('pjm_outage');
      const log: Line[] = [];
      const logger = {
        warn: (_o: object, msg: string) => void log.push({ level: 'warn', msg }),
        info: (_o: object, msg: string) => void log.push({ level: 'info', msg }),
      };
      const bus = new AmqpEventBus({ url: proxied, prefix, logger, reconnect: { initialMs: 100, maxMs: 1000 } });
      await bus.start();
      t.teardown(async () => {
        await bus.close();
        await bus.deleteTopology();
      });
      const bodies: string[] = [];
      const sub = await bus.consume((d) => {
        bodies.push(d.body.toString('utf8'));
        void d.ack();
      });

      await proxy.down();
      const cutAt = Date.now();
      const during = Array.from({ length: 10 }, (_, i) => bus.publish(Buffer.from(`during ${i}`)));
      await sleep(3000);
      t.equal(await bus.isHealthy(), false, 'unhealthy during the outage');
      await proxy.up();
      await Promise.all(during);
      const resolvedAfter = Date.now() - cutAt;
      t.ok(await until(() => bodies.length === 10, 10_000), 'the consumer came back by itself and got them');
      t.same(
        bodies,
        Array.from({ length: 10 }, (_, i) => `during ${i}`),
        'in publish order',
      );
      const failed = log.filter((l) => /attempt failed/.test(l.msg)).length;
      t.ok(failed >= 2, `failed attempts logged (${failed})`);
      t.ok(
        log.some((l) => l.level === 'info' && /reconnected/.test(l.msg)),
        'recovery logged',
      );
      t.comment(
        `publishes issued at the cut resolved after ${resolvedAfter} ms (outage 3000 ms, ${failed} failed attempts)`,
      );
      await sub.stop();
    },
  );

  t.test('after close: no reconnection, operations fail as unavailable', needsCtl, async (t) => {
    const { bus } = await openBus(t);
    await bus.close();
    await bus.close();
    t.same(await connectionPids(bus.connectionName), [], 'connection gone and not reopened');
    await t.rejects(bus.publish(Buffer.from('x')), /^event bus unavailable/);
    t.equal(await bus.isHealthy(), false);
  });

  t.test('start fails fast when the broker cannot be reached', async (t) => {
    const bus = new AmqpEventBus({ url: 'amqp://guest:secret@127.0.0.1:1', prefix: uniqueName('pjm_unreachable') });
    const started = Date.now();
    const err = await bus.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    t.match(err, { message: /^event bus unavailable: cannot connect/ });
    t.notMatch(String((err as Error | undefined)?.message), /secret/, 'password not in the message');
    t.ok(Date.now() - started < 5000, 'no retry loop at start');
    await bus.close();
  });
}
