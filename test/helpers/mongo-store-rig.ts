import { MongoClient, type Db } from 'mongodb';
import type { Test } from 'tap';
import { MongoJobStore } from '../../adapters/store/mongo/mongo-job-store.js';
import { uniqueName } from './services.js';

/**
 * A MongoDB job store on a throwaway database, and a raw handle on that database for writing what
 * another writer (or FerretDB's whole-document rewrites) would; both dropped and closed after `t`.
 */
export async function mongoStoreRig(t: Test, url: string, prefix: string): Promise<{ store: MongoJobStore; db: Db }> {
  const database = uniqueName(prefix);
  const store = new MongoJobStore({ url, database });
  await store.init();
  const client = await MongoClient.connect(url);
  t.teardown(async () => {
    await store.dropDatabase();
    await store.close();
    await client.close();
  });
  return { store, db: client.db(database) };
}
