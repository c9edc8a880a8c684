import { mkdirSync, writeFileSync } from 'node:fs';
import { managerBenchmarks } from './manager.bench.js';
import { httpBenchmarks } from './http.bench.js';
import { latencyBenchmarks } from './latency.bench.js';
import { rssBenchmarks } from './rss.bench.js';
import { formatTable } from './measure.js';
import { storeBenchmarks } from './store-apply.bench.js';

const mongoUrl = process.env['PJM_BENCH_MONGO_URL'] ?? process.env['PJM_TEST_MONGO_URL'];
const amqpUrl = process.env['PJM_BENCH_AMQP_URL'] ?? process.env['PJM_TEST_AMQP_URL'];
const log = (line: string): void => void process.stderr.write(`… ${line}\n`);
if (mongoUrl === undefined) log('PJM_BENCH_MONGO_URL is not set: MongoDB-wire rows are skipped');
if (amqpUrl === undefined) log('PJM_BENCH_AMQP_URL is not set: AMQP rows are skipped');

const only = process.argv[2];
const rows = [
  ...(only === undefined || only === 'store' ? await storeBenchmarks(mongoUrl, log) : []),
  ...(only === undefined || only === 'http' ? await httpBenchmarks(log) : []),
  ...(only === undefined || only === 'latency' ? await latencyBenchmarks(amqpUrl, log) : []),
  ...(only === undefined || only === 'rss' ? await rssBenchmarks(Number(process.env['PJM_BENCH_RSS_EVENTS'] ?? 1_000_000), log) : []),
  ...(only === undefined || only === 'manager' ? await managerBenchmarks({ ...(amqpUrl !== undefined && { amqp: amqpUrl }), ...(mongoUrl !== undefined && { mongo: mongoUrl }) }, log) : []),
];
process.stdout.write(`${formatTable(rows)}\n`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
