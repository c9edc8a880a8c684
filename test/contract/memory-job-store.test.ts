import t from 'tap';
import { MemoryJobStore } from '../fakes/memory-job-store.js';
import { jobStoreContract } from './job-store.contract.js';

t.test('in memory (the unit tests’ fake)', async (t) => {
  jobStoreContract(t, async () => {
    const store = new MemoryJobStore();
    await store.init();
    return { store, dispose: () => store.close() };
  });
});
