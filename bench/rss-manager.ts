import { Registry } from 'prom-client';
import { Manager } from '../actors/manager.js';
import { ManagerMetrics } from '../actors/manager-metrics.js';
import { LocalEventBus } from '../adapters/bus/local/local-event-bus.js';
import { SqliteJobStore } from '../adapters/store/sqlite/sqlite-job-store.js';
import { JobTokens } from '../model/job-tokens.js';
import { silentLogger } from '../ports/logger.js';

/**
 * The manager process of the RSS benchmark: an embedded manager on the bus and store files in
 * `argv[2]`, reporting `{applied, rss}` to its parent every half second until told to stop.
 */
const dir = process.argv[2] ?? '.';
const bus = new LocalEventBus({ path: `${dir}/bus.db` });
await bus.start();
const store = new SqliteJobStore({ path: `${dir}/jobs.db` });
await store.init();
const registry = new Registry();
const metrics = new ManagerMetrics(registry);
const manager = new Manager(
  { bus, store, tokens: new JobTokens('benchmark-secret-0123456789abcdef'), logger: silentLogger, metrics },
  { prefetch: 200 },
);
await manager.start();
const applied = async (): Promise<number> =>
  (await metrics.events.get()).values.filter((v) => v.labels['outcome'] === 'applied').reduce((n, v) => n + v.value, 0);
const timer = setInterval(
  () => void applied().then((n) => process.send?.({ applied: n, rss: process.memoryUsage.rss() })),
  500,
);
process.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  void (async () => {
    await manager.stop();
    await bus.close();
    await store.close();
    process.exit(0);
  })();
});
process.send?.({ ready: true });
