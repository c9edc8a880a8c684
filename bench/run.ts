import { mkdirSync, writeFileSync } from 'node:fs';
import { storeBenchmarks } from './store-apply.bench.js';
import { formatTable } from './measure.js';

const mongoUrl = process.env['PJM_BENCH_MONGO_URL'] ?? process.env['PJM_TEST_MONGO_URL'];
const log = (line: string): void => void process.stderr.write(`… ${line}\n`);
if (mongoUrl === undefined) log('PJM_BENCH_MONGO_URL is not set: MongoDB-wire rows are skipped');

const rows = await storeBenchmarks(mongoUrl, log);
process.stdout.write(`${formatTable(rows)}\n`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
