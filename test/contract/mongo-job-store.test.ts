import t from 'tap';
import { MongoJobStore } from '../../adapters/store/mongo/mongo-job-store.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';
import { jobStoreContract } from './job-store.contract.js';

const service = serviceUrl('PJM_TEST_MONGO_URL');

if ('skip' in service) {
  t.test('MongoDB-wire server', { skip: service.skip }, () => {});
} else {
  t.comment(`MongoDB contract suite against a live server at ${service.url}`);
  t.test('MongoDB-wire server', async (t) => {
    jobStoreContract(t, async () => {
      const store = new MongoJobStore({ url: service.url, database: uniqueName('pjm_contract') });
      await store.init();
      return {
        store,
        dispose: async () => {
          await store.dropDatabase();
          await store.close();
        },
      };
    });
  });
}
