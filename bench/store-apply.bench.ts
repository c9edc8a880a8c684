import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { MongoJobStore } from '../adapters/store/mongo/mongo-job-store.js';
import { SqliteJobStore } from '../adapters/store/sqlite/sqlite-job-store.js';
import { applyEvent } from '../model/apply-event.js';
import { buildNewJob } from '../model/new-job.js';
import type { JobStore } from '../ports/job-store.js';
import { opsPerSecond, type BenchRow } from './measure.js';

const JOBS = 100;

async function seedRunningJobs(store: JobStore, count: number): Promise<string[]> {
  const uuids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { job } = await store.create(
      buildNewJob({ pipeline: 'bench', data: { i, r: randomUUID() } }, { now: new Date(), source: 'bench' }),
    );
    await applyEvent(store, { id: randomUUID(), uuid: job.uuid, name: 'run', source: 'bench' }, { now: new Date() });
    uuids.push(job.uuid);
  }
  return uuids;
}

/** Events/s through load → machine → conditional write, `concurrency` jobs at a time. */
async function applyRate(
  store: JobStore,
  uuids: readonly string[],
  events: number,
  concurrency: number,
): Promise<number> {
  return opsPerSecond(events, concurrency, (i) =>
    applyEvent(
      store,
      { id: randomUUID(), uuid: uuids[i % uuids.length] ?? '', name: 'update', data: { i }, source: 'bench' },
      { now: new Date() },
    ),
  );
}

/** Apply rate on one job that already holds `size` history entries vs. on a fresh one. */
async function historySizeRates(
  store: JobStore,
  size: number,
  events: number,
): Promise<{ big: number; fresh: number }> {
  const [big, fresh] = await seedRunningJobs(store, 2);
  if (big === undefined || fresh === undefined) throw new Error('seeding failed');
  await applyRate(store, [big], size, 1);
  return { big: await applyRate(store, [big], events, 1), fresh: await applyRate(store, [fresh], events, 1) };
}

/** The physical baseline: a bare conditional update (version precondition) on the same SQLite file settings. */
function sqliteRawRate(path: string, count: number): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, body TEXT)');
  const ids = Array.from({ length: JOBS }, (_, i) => i);
  const insert = db.prepare('INSERT INTO t (id, version, body) VALUES (?, 0, ?)');
  for (const id of ids) insert.run(id, '{}');
  const update = db.prepare('UPDATE t SET version = version + 1, body = ? WHERE id = ? AND version = ?');
  const versions = ids.map(() => 0);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const id = i % JOBS;
    update.run(`{"i":${i}}`, id, versions[id]);
    versions[id] = (versions[id] ?? 0) + 1;
  }
  const rate = count / (Number(process.hrtime.bigint() - started) / 1e9);
  db.close();
  return rate;
}

/** The physical baseline for the MongoDB-wire server: a bare conditional findOneAndUpdate. */
export async function mongoRawRate(url: string, count: number, concurrency: number): Promise<number> {
  const client = await new MongoClient(url).connect();
  const db = client.db(`pjm_bench_raw_${process.pid}`);
  const coll = db.collection<{ _id: number; version: number; body: string }>('t');
  await coll.insertMany(Array.from({ length: JOBS }, (_, i) => ({ _id: i, version: 0, body: '{}' })));
  const versions = Array.from({ length: JOBS }, () => 0);
  const rate = await opsPerSecond(count, concurrency, async (i) => {
    const id = i % JOBS;
    const version = versions[id] ?? 0;
    versions[id] = version + 1;
    await coll.findOneAndUpdate({ _id: id, version }, { $set: { version: version + 1, body: `{"i":${i}}` } });
  });
  await db.dropDatabase();
  await client.close();
  return rate;
}

/** Store benchmarks: apply throughput per adapter next to the raw conditional-update rate. */
export async function storeBenchmarks(mongoUrl: string | undefined, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bench-'));
  try {
    log('sqlite: raw conditional update');
    const raw = { name: 'raw SQLite conditional UPDATE', value: sqliteRawRate(join(dir, 'raw.db'), 50_000) };
    rows.push({ ...raw, unit: 'ops/s' });
    for (const [label, path] of [
      ['file', join(dir, 'jobs.db')],
      [':memory:', ':memory:'],
    ] as const) {
      log(`sqlite ${label}: apply`);
      const store = new SqliteJobStore({ path });
      await store.init();
      const uuids = await seedRunningJobs(store, JOBS);
      rows.push({
        name: `store.apply SQLite ${label} (load+fsm+write)`,
        value: await applyRate(store, uuids, 20_000, 1),
        unit: 'events/s',
        baseline: raw,
      });
      rows.push({
        name: `store.apply SQLite ${label}, 64 jobs in flight (group commit)`,
        value: await applyRate(store, uuids, 50_000, 64),
        unit: 'events/s',
        baseline: raw,
      });
      if (label === 'file') {
        const sizes = await historySizeRates(store, 10_000, 2_000);
        rows.push({
          name: 'SQLite apply, job with 10,000 entries',
          value: sizes.big,
          unit: 'events/s',
          baseline: { name: 'fresh job', value: sizes.fresh },
        });
      }
      await store.close();
    }
    if (mongoUrl !== undefined) {
      log('mongo-wire: raw conditional findOneAndUpdate');
      const rawMongo = {
        name: 'raw Mongo-wire findOneAndUpdate (8 in flight)',
        value: await mongoRawRate(mongoUrl, 3_000, 8),
      };
      rows.push({ ...rawMongo, unit: 'ops/s' });
      const store = new MongoJobStore({ url: mongoUrl, database: `pjm_bench_${process.pid}` });
      await store.init();
      try {
        log('mongo-wire: apply');
        const uuids = await seedRunningJobs(store, JOBS);
        rows.push({
          name: 'store.apply Mongo-wire (8 jobs in flight)',
          value: await applyRate(store, uuids, 3_000, 8),
          unit: 'events/s',
          baseline: rawMongo,
        });
        rows.push({
          name: 'store.apply Mongo-wire (1 in flight)',
          value: await applyRate(store, uuids, 1_000, 1),
          unit: 'events/s',
          baseline: rawMongo,
        });
        log('mongo-wire: 10,000-entry history');
        const sizes = await historySizeRates(store, 10_000, 300);
        rows.push({
          name: 'Mongo-wire apply, job with 10,000 entries',
          value: sizes.big,
          unit: 'events/s',
          baseline: { name: 'fresh job', value: sizes.fresh },
        });
      } finally {
        await store.dropDatabase();
        await store.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
