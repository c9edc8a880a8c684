import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import { SQLITE_SCHEMA } from '../../adapters/store/sqlite/sqlite-schema.js';
import { buildNewJob } from '../../model/new-job.js';
import { jobStoreContract } from './job-store.contract.js';

t.test('SQLite :memory:', async (t) => {
  jobStoreContract(t, async () => {
    const store = new SqliteJobStore({ path: ':memory:' });
    await store.init();
    return { store, dispose: () => store.close() };
  });
});

t.test('SQLite file', async (t) => {
  jobStoreContract(t, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pjm-sqlite-'));
    const store = new SqliteJobStore({ path: join(dir, 'jobs.db') });
    await store.init();
    return {
      store,
      dispose: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

t.test('a jobs.db of an earlier version gains the creator column and keeps its jobs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-sqlite-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'jobs.db');
  const old = new Database(path);
  old.exec(SQLITE_SCHEMA.replace('  creator TEXT,\n', ''));
  old
    .prepare(
      `INSERT INTO jobs (uuid, ulid, pipeline, state, version, data, created, updated, last_event) VALUES (?, ?, 'old', 'CREATED', 1, '{}', ?, ?, 'create')`,
    )
    .run(
      '0b9d4a3e-2f61-5c44-9a0e-8c2f1d6b7a10',
      '01J0000000000000000000000',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
    );
  old.close();
  const [first, second] = [new SqliteJobStore({ path }), new SqliteJobStore({ path })];
  await first.init();
  await second.init();
  t.match(await first.get('0b9d4a3e-2f61-5c44-9a0e-8c2f1d6b7a10'), { pipeline: 'old', state: 'CREATED' });
  t.notOk((await first.get('0b9d4a3e-2f61-5c44-9a0e-8c2f1d6b7a10'))?.creator, 'no creator was recorded then');
  const { job } = await second.create(
    buildNewJob({ pipeline: 'new', data: {} }, { now: new Date(), source: 'test', creator: 'loopback' }),
  );
  t.equal((await first.get(job.uuid))?.creator, 'loopback');
  await first.close();
  await second.close();
});
