import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { exited } from '../helpers/child-process.js';
import { startPjmService, type PjmProcess } from '../helpers/pjm-service.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';
import { proxyInFrontOf } from '../helpers/tcp-proxy.js';

/** docs/manager.md: a stopped process exits within 10 s. */
const PROMISED_MS = 10_000;

/**
 * Opens `GET /changes` (what `pjm watch` reads) and resolves once the stream is subscribed.
 * `ended` tells how the stream ended: by the server (`end`), or cut with its connection.
 */
async function attachWatcher(url: string): Promise<{ ended: Promise<'end' | 'cut'> }> {
  let ended!: Promise<'end' | 'cut'>;
  await new Promise<void>((subscribed, reject) => {
    ended = new Promise((resolve) => {
      request(`${url}/changes`, (res) => {
        res.on('data', (b: Buffer) => b.toString().includes(': subscribed') && subscribed());
        res.on('end', () => resolve('end'));
        res.on('error', () => resolve('cut'));
      })
        .on('error', reject)
        .end();
    });
  });
  return { ended };
}

/** Sends `signal` and resolves with the exit code and how long the process took to exit. */
async function stop(child: PjmProcess, signal: NodeJS.Signals): Promise<{ code: number | NodeJS.Signals; ms: number }> {
  const started = Date.now();
  child.kill(signal);
  const code = await Promise.race([exited(child), sleep(PROMISED_MS + 20_000).then(() => -1)]);
  return { code, ms: Date.now() - started };
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`pjm serve with a /changes stream attached exits promptly on ${signal}`, { timeout: 120_000 }, async (t) => {
    const { child, url } = await startPjmService(t, 'serve', {});
    const watcher = await attachWatcher(url);
    const { code, ms } = await stop(child, signal);
    t.equal(code, 0, `exit code 0 (after ${ms} ms)`);
    t.ok(ms < PROMISED_MS, `stopped in ${ms} ms, within ${PROMISED_MS} ms`);
    t.equal(await watcher.ended, 'end', 'the server ended the stream');
    t.match(child.output(), /"msg":"stopped"/, 'a graceful stop');
  });
}

const amqp = serviceUrl('PJM_TEST_AMQP_URL');

t.test(
  'pjm bridge (RabbitMQ) with a /changes stream attached exits promptly',
  { skip: 'skip' in amqp ? amqp.skip : false, timeout: 180_000 },
  async (t) => {
    if (!('url' in amqp)) return;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const { child, url } = await startPjmService(t, 'bridge', {
        PJM_AMQP_URL: amqp.url,
        PJM_AMQP_PREFIX: uniqueName('pjmstop'),
        PJM_SECRET: 'stop-test-secret-0123456789',
      });
      const watcher = await attachWatcher(url);
      const { code, ms } = await stop(child, signal);
      t.equal(code, 0, `${signal}: exit code 0 (after ${ms} ms)`);
      t.ok(ms < PROMISED_MS, `${signal}: stopped in ${ms} ms, within ${PROMISED_MS} ms`);
      t.equal(await watcher.ended, 'end', `${signal}: the server ended the stream`);
    }
  },
);

t.test(
  'a stop that hangs (the broker stops answering) still exits, with code 1, within the promise',
  { skip: 'skip' in amqp ? amqp.skip : false, timeout: 180_000 },
  async (t) => {
    if (!('url' in amqp)) return;
    const { proxy, url: proxied } = await proxyInFrontOf(amqp.url, 5672);
    t.teardown(() => proxy.close());
    const { child, url } = await startPjmService(t, 'bridge', {
      PJM_AMQP_URL: proxied,
      PJM_AMQP_PREFIX: uniqueName('pjmhang'),
      PJM_SECRET: 'stop-test-secret-0123456789',
    });
    await attachWatcher(url);
    proxy.freeze();
    const { code, ms } = await stop(child, 'SIGTERM');
    t.equal(code, 1, `exit code 1 (after ${ms} ms)`);
    t.ok(ms < PROMISED_MS, `exited in ${ms} ms, within ${PROMISED_MS} ms`);
    t.match(child.output(), /graceful stop took too long/);
  },
);
