import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SqliteDeadLetterStore } from '../../adapters/dead-letters/sqlite-dead-letter-store.js';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import { deadLetterStoreContract } from './dead-letter-store.contract.js';

t.test('SQLite :memory:', async (t) => {
  deadLetterStoreContract(t, async () => {
    const store = new SqliteDeadLetterStore({ path: ':memory:' });
    await store.init();
    return { store, dispose: () => store.close() };
  });
});

t.test('SQLite file shared with the job store', async (t) => {
  deadLetterStoreContract(t, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pjm-sqlite-dead-'));
    const path = join(dir, 'jobs.db');
    const jobs = new SqliteJobStore({ path });
    await jobs.init();
    const store = new SqliteDeadLetterStore({ path });
    await store.init();
    return {
      store,
      open: async () => {
        const other = new SqliteDeadLetterStore({ path });
        await other.init();
        return other;
      },
      dispose: async () => {
        await store.close();
        await jobs.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
