import t from 'tap';
import { MemoryNonceStore } from '../fakes/memory-nonce-store.js';
import { nonceStoreContract } from './nonce-store.contract.js';

t.test('in memory (the unit tests’ fake)', async (t) => {
  nonceStoreContract(t, async () => {
    const store = new MemoryNonceStore();
    await store.init();
    return { store, dispose: () => store.close() };
  });
});
