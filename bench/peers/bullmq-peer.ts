import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { IN_FLIGHT } from './drive.js';
import { PeerUnavailable, type PeerSystem } from './peer.js';
import { pidListeningOn } from './proc-usage.js';

/** Where the Redis is, and the processes that count as its side besides the one listening. */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * BullMQ's idiomatic shape of the lifecycle: `queue.add` (create); a `Worker` with concurrency
 * `IN_FLIGHT` takes the job (run: it moves to active under a lock), calls `job.updateProgress`
 * twice and returns (finish: completed, with the return value); the producer awaits
 * `job.waitUntilFinished(queueEvents)`, which resolves on the `completed` event from the
 * queue's event stream — so a lifecycle ends when the producer sees the job finished, as a
 * `PipelineJob` sees its verdicts. Completed jobs are kept (BullMQ's default).
 */
export async function startBullmq(name: string, target: RedisTarget): Promise<PeerSystem> {
  const probe = new Redis({
    host: target.host,
    port: target.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // A Redis that is not there shows in connect(); later failures show in each command.
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    probe.disconnect();
    throw new PeerUnavailable(
      `no Redis at ${target.host}:${target.port} (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const connection = { host: target.host, port: target.port };
  const queueName = `pjm-bench-peers-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(queueName, { connection });
  // Each lifecycle in flight waits on the queue's 'closing' event.
  queue.setMaxListeners(IN_FLIGHT + 10);
  const events = new QueueEvents(queueName, { connection });
  const worker = new Worker(
    queueName,
    async (job) => {
      await job.updateProgress({ step: 1 });
      await job.updateProgress({ step: 2 });
      return { ok: true };
    },
    { connection, concurrency: IN_FLIGHT },
  );
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
  let lastId: string | undefined;
  return {
    name,
    async lifecycle(i) {
      const job = await queue.add('lifecycle', { i });
      await job.waitUntilFinished(events);
      lastId = job.id;
    },
    async systemPids() {
      const pid = pidListeningOn(target.port);
      return pid === undefined ? [] : [pid];
    },
    async recorded() {
      if (lastId === undefined) return 'nothing';
      const hash = await probe.hgetall(queue.toKey(lastId));
      const stream = await probe.xlen(queue.toKey('events'));
      return (
        `job hash of ${Object.keys(hash).length} fields (progress keeps the last value only: ` +
        `${hash['progress'] ?? '?'}; processedOn, finishedOn, returnvalue); no per-job history; the ` +
        `queue's event stream holds ${stream} entries for all jobs, trimmed to ~10,000`
      );
    },
    async close() {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
      probe.disconnect();
    },
  };
}
