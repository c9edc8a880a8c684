import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Manager } from '../actors/manager.js';
import { ManagerMetrics } from '../actors/manager-metrics.js';
import { AmqpEventBus } from '../adapters/bus/amqp/amqp-event-bus.js';
import { LocalEventBus } from '../adapters/bus/local/local-event-bus.js';
import { SqliteNonceStore } from '../adapters/nonce/sqlite-nonce-store.js';
import { SqliteJobStore } from '../adapters/store/sqlite/sqlite-job-store.js';
import { buildApp } from '../http/build-app.js';
import { jobUuid } from '../model/job-identity.js';
import { JobTokens } from '../model/job-tokens.js';
import type { EventBus, StateNotification } from '../ports/event-bus.js';
import { silentLogger } from '../ports/logger.js';
import type { BenchRow } from './measure.js';

const SECRET = 'benchmark-secret-0123456789abcdef';
const RATE = 1000;
const SECONDS = 10;
const JOBS = 200;

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Publish → visible latency at a fixed offered rate: `RATE` events/s for `SECONDS` s on `JOBS`
 * running jobs, each timed from the publish call to its state notification (sent after the
 * commit, so the change is visible by then). One event in fifty is also read back through a real
 * `GET /jobs/:uuid` at that moment, to check it is visible there; a miss is reported.
 */
async function latency(
  publisher: EventBus,
  consumer: EventBus,
  notifications: EventBus,
  store: SqliteJobStore,
): Promise<{ p50: number; p99: number; misses: number; checked: number }> {
  const tokens = new JobTokens(SECRET);
  const registry = new Registry();
  const manager = new Manager(
    { bus: consumer, store, tokens, logger: silentLogger, metrics: new ManagerMetrics(registry) },
    { prefetch: 200 },
  );
  await manager.start();
  const nonces = new SqliteNonceStore({ path: ':memory:' });
  await nonces.init();
  const app = buildApp({ store, bus: publisher, nonces, tokens, registry: new Registry() });
  const origin = await app.listen({ host: '127.0.0.1', port: 0 });
  const pipeline = `latency-${randomUUID().slice(0, 8)}`;
  const jobs = Array.from({ length: JOBS }, (_, i) => {
    const uuid = jobUuid(pipeline, { i });
    return { uuid, token: tokens.issue(uuid, new Date()), i };
  });
  const sentAt = new Map<string, bigint>();
  const latencies: number[] = [];
  let checked = 0;
  let misses = 0;
  const checks: Array<Promise<void>> = [];
  const subscription = await notifications.subscribeState(`${pipeline}.*`, (n: StateNotification) => {
    const started = sentAt.get(n.eventId);
    if (started === undefined) return;
    sentAt.delete(n.eventId);
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (latencies.length % 50 === 0) {
      checks.push(
        fetch(`${origin}/jobs/${n.uuid}`)
          .then((r) => r.json() as Promise<{ version: number }>)
          .then((job) => {
            checked++;
            if (job.version < n.version) misses++;
          }),
      );
    }
  });
  for (const job of jobs) {
    await publisher.publish(
      Buffer.from(JSON.stringify({ id: randomUUID(), name: 'create', pipeline, data: { i: job.i } })),
    );
    await publisher.publish(
      Buffer.from(JSON.stringify({ id: randomUUID(), name: 'run', uuid: job.uuid, token: job.token })),
    );
  }
  await sleep(2000);
  const total = RATE * SECONDS;
  const tickMs = 10;
  const perTick = (RATE * tickMs) / 1000;
  const start = performance.now();
  for (let sent = 0; sent < total;) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE) + perTick);
    while (sent < due) {
      const job = jobs[sent % JOBS];
      if (job === undefined) break;
      const id = randomUUID();
      sentAt.set(id, process.hrtime.bigint());
      void publisher.publish(
        Buffer.from(JSON.stringify({ id, name: 'update', uuid: job.uuid, token: job.token, data: { n: sent } })),
      );
      sent++;
    }
    await sleep(tickMs);
  }
  for (let i = 0; i < 100 && latencies.length < total; i++) await sleep(100);
  await Promise.all(checks);
  await subscription.stop();
  await manager.stop();
  await app.close();
  await nonces.close();
  if (latencies.length < total) throw new Error(`only ${latencies.length} of ${total} events became visible`);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), misses, checked };
}

/** p50/p99 publish → visible at 1,000 events/s offered, embedded and (when a broker is given) AMQP + SQLite. */
export async function latencyBenchmarks(amqpUrl: string | undefined, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bench-latency-'));
  try {
    const target = { name: 'target 25 ms', value: 25 };
    log(`latency: embedded, ${RATE} events/s offered for ${SECONDS} s`);
    {
      const bus = new LocalEventBus({ path: join(dir, 'bus.db') });
      await bus.start();
      const store = new SqliteJobStore({ path: join(dir, 'embedded.db') });
      await store.init();
      const result = await latency(bus, bus, bus, store);
      if (result.misses > 0)
        log(`latency: ${result.misses} of ${result.checked} GET checks did not see the change yet`);
      rows.push({
        name: `publish → visible p50, embedded @ ${RATE}/s`,
        value: result.p50,
        unit: 'ms',
        baseline: target,
      });
      rows.push({
        name: `publish → visible p99, embedded @ ${RATE}/s`,
        value: result.p99,
        unit: 'ms',
        baseline: target,
      });
      await bus.close();
      await store.close();
    }
    if (amqpUrl !== undefined) {
      log(`latency: AMQP + SQLite, ${RATE} events/s offered for ${SECONDS} s`);
      const prefix = `pjmbench.latency.${process.pid}`;
      const [publisher, consumer] = [
        new AmqpEventBus({ url: amqpUrl, prefix }),
        new AmqpEventBus({ url: amqpUrl, prefix }),
      ];
      await publisher.start();
      await consumer.start();
      const store = new SqliteJobStore({ path: join(dir, 'amqp.db') });
      await store.init();
      const result = await latency(publisher, consumer, publisher, store);
      if (result.misses > 0)
        log(`latency: ${result.misses} of ${result.checked} GET checks did not see the change yet`);
      rows.push({
        name: `publish → visible p50, AMQP + SQLite @ ${RATE}/s`,
        value: result.p50,
        unit: 'ms',
        baseline: target,
      });
      rows.push({
        name: `publish → visible p99, AMQP + SQLite @ ${RATE}/s`,
        value: result.p99,
        unit: 'ms',
        baseline: target,
      });
      await consumer.close();
      await publisher.deleteTopology();
      await publisher.close();
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
