import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
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
