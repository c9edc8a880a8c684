import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AmqpEventBus } from '../../adapters/bus/amqp/amqp-event-bus.js';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import { AmqpTransport, HttpTransport, PipelineJob, type PipelineJobsTransport } from '../../client/index.js';
import { PeerUnavailable, type PeerSystem } from './peer.js';
import { startPjm, type PjmChild } from './pjm-child.js';
import { pidListeningOn } from './proc-usage.js';

/** The lifecycle through the client library: each call waits for the manager's verdict. */
async function lifecycle(transport: PipelineJobsTransport, run: string, i: number): Promise<string> {
  const job = new PipelineJob({ pipeline: 'bench-peers', data: { run, i } }, transport);
  await job.setup().run().update({ step: 1 }).update({ step: 2 }).finish();
  if (job.uuid === undefined) throw new Error('the job has no uuid after setup');
  return job.uuid;
}

function describeHistory(names: readonly string[]): string {
  return (
    `job document (state, version, data, timestamps) + ${names.length} ` +
    `history entries in the same commits (${names.join(', ')})`
  );
}

/** `pjm serve` (embedded: SQLite store and bus files) in a child process, driven over `HttpTransport`. */
export async function startPjmEmbedded(): Promise<PeerSystem> {
  const child = await startPjm(
    'serve',
    { PJM_HTTP_HOST: '127.0.0.1', PJM_HTTP_PORT: '0' },
    /HTTP API at (http:\/\/\S+) /,
  );
  const transport = new HttpTransport({ url: child.match });
  const run = randomUUID().slice(0, 8);
  let last: string | undefined;
  return {
    name: 'pjm embedded, HttpTransport',
    async lifecycle(i) {
      last = await lifecycle(transport, run, i);
    },
    async systemPids() {
      return [child.pid];
    },
    async recorded() {
      if (last === undefined) return 'nothing';
      const answer = (await (await fetch(`${child.match}/jobs/${last}/history`)).json()) as {
        history: Array<{ name: string }>;
      };
      return describeHistory(answer.history.map((h) => h.name));
    },
    async close() {
      await transport.close();
      await child.stop();
    },
  };
}

/**
 * `pjm manager` on RabbitMQ with its SQLite store in a child process, driven over `AmqpTransport`.
 * The broker's process (found by the port it listens on) counts as system side.
 */
export async function startPjmAmqp(url: string): Promise<PeerSystem> {
  const prefix = `pjmbench.peers.${randomUUID().slice(0, 8)}`;
  const port = Number(new URL(url).port || 5672);
  let child: PjmChild;
  try {
    child = await startPjm('manager', { PJM_AMQP_URL: url, PJM_AMQP_PREFIX: prefix }, /pjm manager (running)/);
  } catch (err) {
    throw new PeerUnavailable(
      `pjm manager could not start on ${new URL(url).host} ` +
        `(${err instanceof Error ? err.message.split('\n').filter(Boolean).slice(0, 2).join(' ') : String(err)})`,
    );
  }
  const transport = new AmqpTransport({ url, prefix });
  const run = randomUUID().slice(0, 8);
  let last: string | undefined;
  return {
    name: 'pjm, AmqpTransport → manager → SQLite',
    async lifecycle(i) {
      last = await lifecycle(transport, run, i);
    },
    async systemPids() {
      const broker = pidListeningOn(port);
      return broker === undefined ? [child.pid] : [child.pid, broker];
    },
    async recorded() {
      if (last === undefined) return 'nothing';
      const store = new SqliteJobStore({ path: join(child.dataDir, 'jobs.db') });
      await store.init();
      try {
        return describeHistory((await store.history(last)).map((h) => h.name));
      } finally {
        await store.close();
      }
    },
    async close() {
      await transport.close();
      await child.stop();
      const bus = new AmqpEventBus({ url, prefix });
      await bus.start();
      await bus.deleteTopology();
      await bus.close();
    },
  };
}
