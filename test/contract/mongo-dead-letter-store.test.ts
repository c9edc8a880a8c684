import t from 'tap';
import { MongoDeadLetterStore } from '../../adapters/dead-letters/mongo-dead-letter-store.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';
import { deadLetterStoreContract } from './dead-letter-store.contract.js';

const service = serviceUrl('PJM_TEST_MONGO_URL');

if ('skip' in service) {
  t.test('MongoDB-wire server', { skip: service.skip }, () => {});
} else {
  t.comment(`DeadLetterStore contract suite against a live server at ${service.url}`);
  t.test('MongoDB-wire server', async (t) => {
    deadLetterStoreContract(t, async () => {
      const database = uniqueName('pjm_dead_contract');
      const store = new MongoDeadLetterStore({ url: service.url, database });
      await store.init();
      return {
        store,
        open: async () => {
          const other = new MongoDeadLetterStore({ url: service.url, database });
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
