import type { Collection, Document, IndexDescription } from 'mongodb';

/**
 * Creates the indexes of `specs` that the collection lacks, by name. Asking for existing indexes
 * again is harmless on MongoDB, but FerretDB 1.24 drops the connection (a server panic) when one
 * createIndexes command lists several indexes that already exist — every restart would hit it.
 */
export async function ensureIndexes<T extends Document>(
  collection: Collection<T>,
  specs: readonly IndexDescription[],
): Promise<void> {
  const indexes: Document[] = await collection
    .listIndexes()
    .toArray()
    .catch(() => []);
  const existing = new Set(indexes.map((index) => String(index['name'])));
  const missing = specs.filter((spec) => spec.name === undefined || !existing.has(spec.name));
  if (missing.length > 0) await collection.createIndexes([...missing]);
}
