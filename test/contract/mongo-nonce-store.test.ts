import t from 'tap';
import { MongoNonceStore } from '../../adapters/nonce/mongo-nonce-store.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';
import { nonceStoreContract } from './nonce-store.contract.js';

const service = serviceUrl('PJM_TEST_MONGO_URL');

if ('skip' in service) {
  t.test('MongoDB-wire server', { skip: service.skip }, () => {});
} else {
  t.comment(`NonceStore contract suite against a live server at ${service.url}`);
  t.test('MongoDB-wire server', async (t) => {
    nonceStoreContract(t, async () => {
      const database = uniqueName('pjm_nonce_contract');
      const store = new MongoNonceStore({ url: service.url, database });
      await store.init();
      return {
        store,
        open: async () => {
          const other = new MongoNonceStore({ url: service.url, database });
          await other.init();
          return other;
        },
        dispose: async () => {
          await store.dropDatabase();
          await store.close();
        },
      };
    });
  });
}
