import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { monotonicFactory } from 'ulid';
import { LocalEventBus } from '../adapters/bus/local/local-event-bus.js';
import { SqliteNonceStore } from '../adapters/nonce/sqlite-nonce-store.js';
import { SqliteJobStore } from '../adapters/store/sqlite/sqlite-job-store.js';
import { entryToRow, jobToRow } from '../adapters/store/sqlite/sqlite-rows.js';
import type { JobState } from '../fsm/index.js';
import { buildApp } from '../http/build-app.js';
import type { HistoryEntry, JobDocument } from '../model/job.js';
import { JobTokens } from '../model/job-tokens.js';
import type { BenchRow } from './measure.js';

const PIPELINES = ['photometry', 'spectra', 'calib', 'ingest', 'demux', 'align', 'stack', 'archive'];
/** A plausible mix: most jobs finished, some failed or running. */
const STATES: readonly JobState[] = ['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED', 'FAILED', 'RUNNING', 'CREATED'];
const REQUESTS = 300;

/**
 * Writes `count` jobs (each with a create and, past CREATED, a second history entry) straight into
 * a SQLite store file in one transaction: seeding through the manager would take longer than the
 * measurement. Creation times spread over the last 30 days.
 */
function seed(path: string, count: number): string[] {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insertJob = db.prepare(
    `INSERT INTO jobs (uuid, ulid, pipeline, state, version, data, created, updated, last_event, owner, creator,
       site, archive_path, detail, claim_by, claim_until, seq)
     VALUES (@uuid, @ulid, @pipeline, @state, @version, @data, @created, @updated, @last_event, @owner, @creator,
       @site, @archive_path, @detail, @claim_by, @claim_until, @seq)`,
  );
  const insertEntry = db.prepare(
    'INSERT INTO history (id, job, version, name, date, data, source, state, seq) ' +
      'VALUES (@id, @job, @version, @name, @date, @data, @source, @state, @seq)',
  );
  const nextUlid = monotonicFactory();
  const start = Date.now() - 30 * 86_400_000;
  const step = (30 * 86_400_000) / count;
  const sample: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const at = start + i * step;
      const created = new Date(at).toISOString();
      const state = STATES[i % STATES.length] ?? 'CREATED';
      const uuid = randomUUID();
      const entries: HistoryEntry[] = [
        { id: randomUUID(), name: 'create', date: created, data: null, source: 'bench', state: 'CREATED', version: 1 },
      ];
      if (state !== 'CREATED') {
        const name = state === 'RUNNING' ? 'run' : state === 'FAILED' ? 'fail' : 'finish';
        const date = new Date(at + 60_000).toISOString();
        entries.push({
          id: randomUUID(),
          name,
          date,
          data: { i, note: 'x'.repeat(64) },
          source: 'bench',
          state,
          version: 2,
        });
      }
      const last = entries.at(-1) as HistoryEntry;
      const job: JobDocument = {
        uuid,
        ulid: nextUlid(at),
        pipeline: PIPELINES[i % PIPELINES.length] ?? 'p',
        state,
        version: entries.length,
        data: { i, sample: `s-${i % 1000}` },
        created,
        updated: last.date,
        lastEvent: last.name as JobDocument['lastEvent'],
        owner: `owner-${i % 50}`,
        site: `site-${i % 4}`,
      };
      insertJob.run(jobToRow(job));
      for (const entry of entries) insertEntry.run(entryToRow(uuid, entry));
      if (i % Math.max(1, Math.floor(count / 1000)) === 0) sample.push(uuid);
    }
  })();
  db.close();
  return sample;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Server times (ms) of `count` requests made by `path(i)` through `inject` (routing, store, rendering). */
async function timings(
  app: ReturnType<typeof buildApp>,
  count: number,
  path: (i: number) => string,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const res = await app.inject({ method: 'GET', url: path(i), remoteAddress: '127.0.0.1' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.statusCode !== 200) throw new Error(`${path(i)} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    if (i === 0 && !/data-uuid=|"uuid"|class="node current"|class="counts"/.test(res.body))
      throw new Error(`${path(i)} found no job: the bench measures nothing`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/**
 * The dashboard's server time on a SQLite store of `count` jobs (`PJM_BENCH_UI_JOBS`): the
 * filtered jobs list (first pages and a page deep in the keyset) and the job page, each next to
 * the JSON query API answering the same question.
 */
export async function dashboardBenchmarks(count: number, log: (line: string) => void): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bench-ui-'));
  try {
    const path = join(dir, 'jobs.db');
    const init = new SqliteJobStore({ path });
    await init.init();
    await init.close();
    log(`dashboard: seeding ${count} jobs`);
    const uuids = seed(path, count);
    log('dashboard: seeded');
    const store = new SqliteJobStore({ path });
    await store.init();
    const nonces = new SqliteNonceStore({ path });
    await nonces.init();
    const bus = new LocalEventBus({ path: join(dir, 'bus.db') });
    await bus.start();
    const app = buildApp({
      store,
      bus,
      nonces,
      tokens: new JobTokens('benchmark-secret-0123456789abcdef'),
      registry: new Registry(),
    });
    await app.ready();
    const pipeline = (i: number): string => PIPELINES[i % PIPELINES.length] ?? 'p';
    const deepCursor = (await store.list({ limit: 1000, pipeline: 'calib', state: 'FAILED' })).nextCursor ?? '';
    const uuid = (i: number): string => uuids[(i * 7919) % uuids.length] ?? '';
    const filtered = (i: number): string => `pipeline=${pipeline(i)}&state=FAILED&state=RUNNING&owner=owner-${i % 50}`;
    await timings(app, 20, (i) => `/ui/jobs?${filtered(i)}`);
    const list = await timings(app, REQUESTS, (i) => `/ui/jobs?${filtered(i)}`);
    const listApi = await timings(
      app,
      REQUESTS,
      (i) => `/jobs?limit=50&${filtered(i).replace('&state=RUNNING', ',RUNNING')}`,
    );
    const deep = await timings(
      app,
      REQUESTS,
      (i) => `/ui/jobs?pipeline=calib&state=FAILED&cursor=${deepCursor}&x=${i}`,
    );
    const recent = await timings(app, REQUESTS, (i) => `/ui/jobs?state=FAILED&range=24h&x=${i}`);
    const midMonth = new Date(Date.now() - 15 * 86_400_000).toISOString().slice(0, 16);
    const until = await timings(app, REQUESTS, (i) => `/ui/jobs?pipeline=${pipeline(i)}&until=${midMonth}`);
    const job = await timings(app, REQUESTS, (i) => `/ui/jobs/${uuid(i)}`);
    const overview = await timings(app, 20, () => '/ui/');
    const jobApi = await timings(app, REQUESTS, (i) => `/jobs/${uuid(i)}/history`);
    await app.close();
    await bus.close();
    await nonces.close();
    await store.close();
    const jobs = `${count.toLocaleString('en')} jobs`;
    return [
      {
        name: `ui list (3 filters), ${jobs}, p50`,
        value: list.p50,
        unit: 'ms',
        baseline: { name: 'JSON', value: listApi.p50 },
      },
      {
        name: `ui list (3 filters), ${jobs}, p99`,
        value: list.p99,
        unit: 'ms',
        baseline: { name: 'JSON', value: listApi.p99 },
      },
      { name: `ui list, page after 1000, ${jobs}, p99`, value: deep.p99, unit: 'ms' },
      { name: `ui list, FAILED in the last 24 h, ${jobs}, p99`, value: recent.p99, unit: 'ms' },
      { name: `ui list, pipeline created until 15 days ago, ${jobs}, p99`, value: until.p99, unit: 'ms' },
      {
        name: `ui job page, ${jobs}, p50`,
        value: job.p50,
        unit: 'ms',
        baseline: { name: 'JSON history', value: jobApi.p50 },
      },
      {
        name: `ui job page, ${jobs}, p99`,
        value: job.p99,
        unit: 'ms',
        baseline: { name: 'JSON history', value: jobApi.p99 },
      },
      { name: `ui overview (bounded counts), ${jobs}, p50`, value: overview.p50, unit: 'ms' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
