import { mkdirSync, writeFileSync } from 'node:fs';
import { claimBenchmarks } from './claims.bench.js';
import { dashboardBenchmarks } from './dashboard.bench.js';
import { httpBenchmarks } from './http.bench.js';
import { latencyBenchmarks } from './latency.bench.js';
import { managerBenchmarks } from './manager.bench.js';
import { formatTable, type BenchRow } from './measure.js';
import { peerBenchmarks } from './peers.bench.js';
import { rssBenchmarks } from './rss.bench.js';
import { scenarioBenchmarks } from './scenarios.bench.js';
import { storeBenchmarks } from './store-apply.bench.js';

const mongoUrl = process.env['PJM_BENCH_MONGO_URL'] ?? process.env['PJM_TEST_MONGO_URL'];
const amqpUrl = process.env['PJM_BENCH_AMQP_URL'] ?? process.env['PJM_TEST_AMQP_URL'];
const started = Date.now();
const log = (line: string): void =>
  void process.stderr.write(`… ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`);
if (mongoUrl === undefined) log('PJM_BENCH_MONGO_URL is not set: MongoDB-wire rows are skipped');
if (amqpUrl === undefined)
  log('PJM_BENCH_AMQP_URL is not set: AMQP rows are skipped (peers tries amqp://guest:guest@127.0.0.1:5672)');

const sections: Record<string, () => Promise<BenchRow[]>> = {
  store: () => storeBenchmarks(mongoUrl, log),
  manager: () =>
    managerBenchmarks(
      { ...(amqpUrl !== undefined && { amqp: amqpUrl }), ...(mongoUrl !== undefined && { mongo: mongoUrl }) },
      log,
    ),
  http: () => httpBenchmarks(log),
  latency: () => latencyBenchmarks(amqpUrl, log),
  rss: () => rssBenchmarks(Number(process.env['PJM_BENCH_RSS_EVENTS'] ?? 1_000_000), log),
  scenarios: () =>
    scenarioBenchmarks(
      { ...(amqpUrl !== undefined && { amqp: amqpUrl }), ...(mongoUrl !== undefined && { mongo: mongoUrl }) },
      log,
    ),
  claims: () => claimBenchmarks(mongoUrl, Number(process.env['PJM_BENCH_CLAIM_JOBS'] ?? 100_000), log),
  dashboard: () => dashboardBenchmarks(Number(process.env['PJM_BENCH_UI_JOBS'] ?? 1_000_000), log),
  peers: () =>
    peerBenchmarks(
      {
        redis: {
          host: process.env['PJM_BENCH_REDIS_HOST'] ?? '127.0.0.1',
          port: Number(process.env['PJM_BENCH_REDIS_PORT'] ?? 6379),
        },
        postgres: process.env['PJM_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        amqp: amqpUrl ?? 'amqp://guest:guest@127.0.0.1:5672',
      },
      log,
    ),
};
const only = process.argv[2];
if (only !== undefined && !(only in sections))
  throw new Error(`unknown section "${only}"; one of ${Object.keys(sections).join(', ')}`);

const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(sections)) {
  if (only !== undefined && only !== name) continue;
  const section = await run();
  rows.push(...section);
  // Each section's rows as soon as they exist, so a later failure does not lose them.
  process.stderr.write(`${formatTable(section)}\n`);
}
log('done');
process.stdout.write(`${formatTable(rows)}\n`);
mkdirSync('bench/results', { recursive: true });
const summary = { date: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), rows };
writeFileSync('bench/results/latest.json', `${JSON.stringify(summary, null, 2)}\n`);
