import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SqliteNonceStore } from '../../adapters/nonce/sqlite-nonce-store.js';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import { nonceStoreContract } from './nonce-store.contract.js';

t.test('SQLite :memory:', async (t) => {
  nonceStoreContract(t, async () => {
    const store = new SqliteNonceStore({ path: ':memory:' });
    await store.init();
    return { store, dispose: () => store.close() };
  });
});

t.test('SQLite file shared with the job store', async (t) => {
  nonceStoreContract(t, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pjm-sqlite-nonce-'));
    const path = join(dir, 'jobs.db');
    const jobs = new SqliteJobStore({ path });
    await jobs.init();
    const store = new SqliteNonceStore({ path });
    await store.init();
    return {
      store,
      open: async () => {
        const other = new SqliteNonceStore({ path });
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
