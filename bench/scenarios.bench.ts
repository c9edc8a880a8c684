import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BENCH_SCALE, SCALE_VARIABLE } from '../test/helpers/scale.js';
import type { BenchRow } from './measure.js';

/** The integration scenarios whose size follows PJM_TEST_SCALE (test/helpers/scale.ts). */
const SCENARIOS = [
  'test/integration/manager-stream.test.ts',
  'test/integration/manager-crash.test.ts',
  'test/integration/manager-bad-input.test.ts',
  'test/integration/query-api-10k.test.ts',
];

/**
 * The heavy integration scenarios at their full size (PJM_TEST_SCALE=BENCH_SCALE: 10,000 events
 * delivered twice and shuffled, 20,000 events across a kill -9, 1,000 bad messages, 10,000 jobs
 * paged); `npm test` runs them five times smaller. Reports each file's wall time; a failing scenario fails the run.
 * The rigs that need a service run when its URL is given, as in `npm test`.
 */
export async function scenarioBenchmarks(
  urls: { amqp?: string; mongo?: string },
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [SCALE_VARIABLE]: String(BENCH_SCALE),
    ...(urls.amqp !== undefined && { PJM_TEST_AMQP_URL: urls.amqp }),
    ...(urls.mongo !== undefined && { PJM_TEST_MONGO_URL: urls.mongo }),
  };
  const rows: BenchRow[] = [];
  for (const file of SCENARIOS) {
    log(`scenario: ${file} at ${SCALE_VARIABLE}=${BENCH_SCALE}`);
    const started = process.hrtime.bigint();
    // tap's report goes to stderr with the progress lines, so that stdout keeps only the table.
    const tap = spawn('npx', ['tap', '--disable-coverage', file], { env, stdio: ['ignore', 2, 2] });
    const [code] = (await once(tap, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`${file} failed at ${SCALE_VARIABLE}=${BENCH_SCALE} (exit ${code})`);
    rows.push({
      name: `${file.replace(/^test\/integration\/|\.test\.ts$/g, '')} at scale ${BENCH_SCALE}`,
      value: Number(process.hrtime.bigint() - started) / 1e9,
      unit: 's',
    });
  }
  return rows;
}
