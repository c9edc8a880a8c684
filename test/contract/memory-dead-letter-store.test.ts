import t from 'tap';
import { MemoryDeadLetterStore } from '../fakes/memory-dead-letter-store.js';
import { deadLetterStoreContract } from './dead-letter-store.contract.js';

t.test('in memory (the unit tests’ fake)', async (t) => {
  deadLetterStoreContract(t, async () => {
    const store = new MemoryDeadLetterStore();
    await store.init();
    return { store, dispose: () => store.close() };
  });
});
