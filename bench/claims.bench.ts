import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimJobs } from '../actors/claim-requests.js';
import { MongoJobStore } from '../adapters/store/mongo/mongo-job-store.js';
import { SqliteJobStore } from '../adapters/store/sqlite/sqlite-job-store.js';
import { buildNewJob } from '../model/new-job.js';
import type { JobStore } from '../ports/job-store.js';
import type { BenchRow } from './measure.js';

/** Sites the queued jobs are spread over. */
const SITES = 50;
/** Claims measured, one job each, from a random site, one after another. */
const CLAIMS = 2000;
/** The target for the claim p99 on SQLite. */
const TARGET_P99_MS = 10;

/** Creates `count` CREATED jobs spread round-robin over the sites, `inFlight` creates at a time. */
async function seed(store: JobStore, count: number, inFlight: number, log: (line: string) => void): Promise<void> {
  const t0 = Date.now() - count;
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        if (i % 20_000 === 0) log(`  seeded ${i}`);
        await store.create(
          buildNewJob(
            { pipeline: 'bench-claims', site: `site-${i % SITES}`, data: { i } },
            { now: new Date(t0 + i), source: 'bench' },
          ),
        );
      }
    }),
  );
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The manager's claim (candidate query, then one conditional claim note) timed `CLAIMS` times. */
async function claimLatencies(store: JobStore): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const message = {
      op: 'claim' as const,
      id: randomUUID(),
      site: `site-${Math.floor(Math.random() * SITES)}`,
      queue: 'primary',
      max: 1,
      leaseMs: 300_000,
      by: `poller-${i % 20}`,
    };
    const started = performance.now();
    const { jobs } = await claimJobs(store, message, new Date());
    times.push(performance.now() - started);
    if (jobs.length !== 1) throw new Error(`claim ${i} got ${jobs.length} jobs`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

function rowsOf(label: string, jobs: number, latency: { p50: number; p99: number }): BenchRow[] {
  const queued = `${jobs.toLocaleString('en')} queued, ${SITES} sites`;
  return [
    { name: `claim p50 ${label} (${queued})`, value: latency.p50, unit: 'ms' },
    {
      name: `claim p99 ${label} (${queued})`,
      value: latency.p99,
      unit: 'ms',
      baseline: { name: 'target', value: TARGET_P99_MS },
    },
  ];
}

/**
 * Claim latency with a deep backlog: `jobs` CREATED jobs over 50 sites (default 100,000; env
 * `PJM_BENCH_CLAIM_JOBS`), then 2,000 claims of one job each from random sites, as the manager
 * makes them (`claimJobs`: the indexed candidate query and the conditional claim note), on a
 * SQLite file and, when a MongoDB-wire URL is given, beside it.
 */
export async function claimBenchmarks(
  mongoUrl: string | undefined,
  jobs: number,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bench-claims-'));
  try {
    const sqlite = new SqliteJobStore({ path: join(dir, 'jobs.db') });
    await sqlite.init();
    log(`claims: seeding ${jobs} jobs on SQLite`);
    await seed(sqlite, jobs, 512, log);
    log('claims: SQLite');
    rows.push(...rowsOf('SQLite', jobs, await claimLatencies(sqlite)));
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (mongoUrl !== undefined) {
    const mongo = new MongoJobStore({ url: mongoUrl, database: `pjm_bench_claims_${process.pid}` });
    await mongo.init();
    try {
      log(`claims: seeding ${jobs} jobs on the MongoDB-wire store`);
      await seed(mongo, jobs, 16, log);
      log('claims: MongoDB-wire');
      rows.push(...rowsOf('Mongo-wire', jobs, await claimLatencies(mongo)));
    } finally {
      await mongo.dropDatabase();
      await mongo.close();
    }
  }
  return rows;
}
