import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import amqplib from 'amqplib';
import { Registry } from 'prom-client';
import { Manager } from '../actors/manager.js';
import { ManagerMetrics } from '../actors/manager-metrics.js';
import { AmqpEventBus } from '../adapters/bus/amqp/amqp-event-bus.js';
import { LocalEventBus } from '../adapters/bus/local/local-event-bus.js';
import { MongoJobStore } from '../adapters/store/mongo/mongo-job-store.js';
import { SqliteJobStore } from '../adapters/store/sqlite/sqlite-job-store.js';
import { jobUuid } from '../model/job-identity.js';
import { JobTokens } from '../model/job-tokens.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import { silentLogger } from '../ports/logger.js';
import type { BenchRow } from './measure.js';
import { mongoRawRate } from './store-apply.bench.js';

const SECRET = 'benchmark-secret-0123456789abcdef';

/** `jobs` × `perJob` serialized events in publish order: create, run, updates, finish. */
function events(jobs: number, perJob: number, tokens: JobTokens): Buffer[] {
  const pipeline = `bench-${randomUUID().slice(0, 8)}`;
  const out: Buffer[][] = [];
  for (let j = 0; j < jobs; j++) {
    const data = { j };
    const uuid = jobUuid(pipeline, data);
    const token = tokens.issue(uuid, new Date());
    const list: object[] = [
      { id: randomUUID(), name: 'create', pipeline, data },
      { id: randomUUID(), uuid, token, name: 'run' },
    ];
    for (let u = 2; u < perJob - 1; u++) list.push({ id: randomUUID(), uuid, token, name: 'update', data: { u } });
    list.push({ id: randomUUID(), uuid, token, name: 'finish' });
    out.push(list.map((e) => Buffer.from(JSON.stringify(e))));
  }
  const interleaved: Buffer[] = [];
  for (let i = 0; i < perJob; i++) for (const list of out) interleaved.push(list[i] as Buffer);
  return interleaved;
}

/** Publishes everything (pipelined confirms) while one manager consumes; events/s until all applied. */
async function managerRate(bus: EventBus, consumerBus: EventBus, store: JobStore, bodies: Buffer[]): Promise<number> {
  const metrics = new ManagerMetrics(new Registry());
  const manager = new Manager(
    { bus: consumerBus, store, tokens: new JobTokens(SECRET), logger: silentLogger, metrics },
    { prefetch: 200 },
  );
  await manager.start();
  const started = process.hrtime.bigint();
  for (let i = 0; i < bodies.length; i += 500) await Promise.all(bodies.slice(i, i + 500).map((b) => bus.publish(b)));
  const applied = async (): Promise<number> =>
    (await metrics.events.get()).values
      .filter((v) => v.labels['outcome'] === 'applied')
      .reduce((n, v) => n + v.value, 0);
  const deadline = Date.now() + 300_000;
  while ((await applied()) < bodies.length && Date.now() < deadline) await sleep(5);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const done = await applied();
  await manager.stop();
  if (done < bodies.length) throw new Error(`only ${done} of ${bodies.length} events applied`);
  return bodies.length / seconds;
}

/** The physical baseline: amqplib alone, publish with confirms + consume with manual ack, same volume. */
async function rawAmqpRate(url: string, count: number): Promise<number> {
  // The same socket setting as the product's connections, so the baseline is not handicapped.
  const connection = await amqplib.connect(url, { noDelay: true });
  const pub = await connection.createConfirmChannel();
  const sub = await connection.createChannel();
  const queue = `pjm.bench.raw.${process.pid}`;
  await sub.assertQueue(queue, { durable: true });
  await sub.prefetch(200);
  let received = 0;
  const allIn = new Promise<void>((resolve) => {
    void sub.consume(queue, (msg) => {
      if (msg === null) return;
      sub.ack(msg);
      if (++received === count) resolve();
    });
  });
  const body = Buffer.from(JSON.stringify({ id: randomUUID(), name: 'update', uuid: randomUUID(), data: { u: 1 } }));
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 500) {
    await Promise.all(
      Array.from(
        { length: Math.min(500, count - i) },
        () =>
          new Promise<void>((resolve, reject) =>
            pub.sendToQueue(queue, body, { persistent: true }, (err: unknown) =>
              err instanceof Error ? reject(err) : err ? reject(new Error('publish was nacked')) : resolve(),
            ),
          ),
      ),
    );
  }
  await allIn;
  const rate = count / (Number(process.hrtime.bigint() - started) / 1e9);
  await sub.deleteQueue(queue);
  await connection.close();
  return rate;
}

/** Manager end to end per bus/store pairing, next to raw amqplib throughput. */
export async function managerBenchmarks(
  urls: { amqp?: string; mongo?: string },
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const tokens = new JobTokens(SECRET);
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bench-mgr-'));
  try {
    log('manager: embedded (local bus + SQLite file)');
    {
      const bus = new LocalEventBus({ path: join(dir, 'bus.db') });
      await bus.start();
      const store = new SqliteJobStore({ path: join(dir, 'embedded.db') });
      await store.init();
      rows.push({
        name: 'manager end to end, embedded (local bus + SQLite)',
        value: await managerRate(bus, bus, store, events(2000, 10, tokens)),
        unit: 'events/s',
      });
      await bus.close();
      await store.close();
    }
    if (urls.amqp !== undefined) {
      log('raw amqplib publish (confirms) + consume (manual ack)');
      const raw = { name: 'raw amqplib publish+consume', value: await rawAmqpRate(urls.amqp, 20_000) };
      rows.push({ ...raw, unit: 'msgs/s' });
      const pairings: Array<[string, () => Promise<JobStore>, number]> = [
        ['SQLite', async () => new SqliteJobStore({ path: join(dir, 'amqp.db') }), 2000],
      ];
      if (urls.mongo !== undefined) {
        const mongoUrl = urls.mongo;
        pairings.push([
          'MongoDB-wire',
          async () => new MongoJobStore({ url: mongoUrl, database: `pjm_bench_mgr_${process.pid}` }),
          300,
        ]);
      }
      for (const [label, makeStore, jobs] of pairings) {
        log(`manager: AMQP + ${label}`);
        const prefix = `pjmbench.${process.pid}.${label.toLowerCase().replace(/[^a-z]/g, '')}`;
        const publisher = new AmqpEventBus({ url: urls.amqp, prefix });
        const consumer = new AmqpEventBus({ url: urls.amqp, prefix });
        await publisher.start();
        await consumer.start();
        const store = await makeStore();
        await store.init();
        const rate = await managerRate(publisher, consumer, store, events(jobs, 10, tokens));
        rows.push({ name: `manager end to end, AMQP + ${label}`, value: rate, unit: 'events/s', baseline: raw });
        if (urls.mongo !== undefined && label === 'MongoDB-wire') {
          log("raw Mongo-wire findOneAndUpdate, 16 in flight (the manager's pool)");
          const rawMongo = {
            name: 'raw Mongo-wire findOneAndUpdate (16 in flight)',
            value: await mongoRawRate(urls.mongo, 3_000, 16),
          };
          rows.push({ ...rawMongo, unit: 'ops/s' });
          rows.push({
            name: 'manager end to end, AMQP + MongoDB-wire',
            value: rate,
            unit: 'events/s',
            baseline: rawMongo,
          });
        }
        await consumer.close();
        await publisher.deleteTopology();
        await publisher.close();
        if (store instanceof MongoJobStore) await store.dropDatabase();
        await store.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
