import { MongoClient, type Collection, type Db } from 'mongodb';
import { monotonicFactory } from 'ulid';
import type { NonceRecord, NonceScope, NonceStore, NonceUseResult } from '../../ports/nonce-store.js';
import { isDuplicateKey } from '../store/mongo/mongo-errors.js';
import { ensureIndexes } from '../store/mongo/mongo-indexes.js';
import { DuplicateNonceError } from '../../errors/index.js';
import { checkNewNonce, hashMatches, notLive, requireNonceString } from './nonce-rules.js';

/** Options of {@link MongoNonceStore}. */
export interface MongoNonceStoreOptions {
  /** A MongoDB connection string (MongoDB or a MongoDB-wire server such as FerretDB). */
  readonly url: string;
  /** Database name (default `pipelinejobs`, the job store's). */
  readonly database?: string;
  /** How long to wait for a server before an operation fails (default 10 s). */
  readonly serverSelectionTimeoutMs?: number;
}

/**
 * A nonce as stored in `nonces`. Written by `create` and, once, by `revoke`; never by `use`, so
 * FerretDB's read-then-rewrite updates cannot lose a revocation to a racing use.
 */
interface StoredNonce {
  /** The nonce id. */
  _id: string;
  hash: string;
  scope: string;
  site?: string;
  label?: string;
  maxUses?: number;
  expires?: string;
  created: string;
  revoked: string | null;
  /** Tie-break for `list` between nonces created in the same millisecond (insertion order). */
  ulid: string;
}

/** One counted use of a limited nonce: `_id` is `<nonce id>#<n>`, n = 1..maxUses. */
interface StoredUse {
  _id: string;
  nonce: string;
  n: number;
  at: string;
}

/** The use counter of an unlimited nonce (`_id` = nonce id). */
interface StoredCounter {
  _id: string;
  uses: number;
}

const nextUlid = monotonicFactory();

function storedToRecord(doc: StoredNonce, uses: number): NonceRecord {
  return {
    id: doc._id,
    hash: doc.hash,
    scope: doc.scope as NonceScope,
    uses,
    created: doc.created,
    ...(doc.site !== undefined && { site: doc.site }),
    ...(doc.label !== undefined && { label: doc.label }),
    ...(doc.maxUses !== undefined && { maxUses: doc.maxUses }),
    ...(doc.expires !== undefined && { expires: doc.expires }),
    ...(doc.revoked !== null && { revoked: doc.revoked }),
  };
}

/**
 * {@link NonceStore} on MongoDB, written to be exact on FerretDB too, whose conditional updates are
 * not atomic (it reads, then rewrites the document by `_id`), so a `uses < maxUses` filter with
 * `$inc` could let racing callers all pass.
 *
 * As for claims in the job store, the commit point of a use is an insert guarded by the unique
 * `_id`: use n of nonce i is the document `i#n` in `nonce_uses`, for n = 1..maxUses. A caller
 * reads the highest n so far, inserts n+1, on a duplicate key tries n+2, and so on; past maxUses
 * it answers `exhausted`. At most maxUses such documents can exist, so at most maxUses uses are
 * accepted however many callers race; and since a caller only tries n after seeing n−1 taken,
 * the slots have no gaps and their count is the exact `uses`.
 *
 * Unlimited nonces have no slots (they would grow without bound): their `uses` is an `$inc`
 * counter in `nonce_counters`, exact on MongoDB and approximate on FerretDB under races (a racing
 * rewrite can lose an increment). Nothing is refused on that count, so only the statistic suffers.
 *
 * Revocation sets `revoked` on the nonce document, which nothing else rewrites after `create`.
 * A use that read the nonce before the revocation was written may still be accepted (it raced
 * the revoke); every use that starts after `revoke` returned is refused. Two racing revokes may
 * both answer true on FerretDB.
 */
export class MongoNonceStore implements NonceStore {
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #nonces: Collection<StoredNonce>;
  readonly #uses: Collection<StoredUse>;
  readonly #counters: Collection<StoredCounter>;

  constructor(options: MongoNonceStoreOptions) {
    // Few connections: nonce traffic is light, and FerretDB stops answering past its own pool size.
    this.#client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
      maxPoolSize: 4,
    });
    this.#db = this.#client.db(options.database ?? 'pipelinejobs');
    this.#nonces = this.#db.collection<StoredNonce>('nonces');
    this.#uses = this.#db.collection<StoredUse>('nonce_uses');
    this.#counters = this.#db.collection<StoredCounter>('nonce_counters');
  }

  async init(): Promise<void> {
    await this.#client.connect();
    await ensureIndexes(this.#nonces, [{ key: { created: -1, ulid: -1 }, name: 'created_ulid' }]);
    await ensureIndexes(this.#uses, [{ key: { nonce: 1, n: -1 }, name: 'nonce_n' }]);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  /** Drops this store's database; for tests that made a throwaway one. */
  async dropDatabase(): Promise<void> {
    await this.#db.dropDatabase();
  }

  async create(record: NonceRecord): Promise<void> {
    checkNewNonce(record);
    try {
      await this.#nonces.insertOne({
        _id: record.id,
        hash: record.hash,
        scope: record.scope,
        created: record.created,
        revoked: record.revoked ?? null,
        ulid: nextUlid(),
        ...(record.site !== undefined && { site: record.site }),
        ...(record.label !== undefined && { label: record.label }),
        ...(record.maxUses !== undefined && { maxUses: record.maxUses }),
        ...(record.expires !== undefined && { expires: record.expires }),
      });
    } catch (err) {
      if (isDuplicateKey(err)) throw new DuplicateNonceError(record.id, { cause: err });
      throw err;
    }
  }

  async list(): Promise<NonceRecord[]> {
    const docs = await this.#nonces.find({}).sort({ created: -1, ulid: -1 }).toArray();
    const limited = docs.filter((doc) => doc.maxUses !== undefined).map((doc) => doc._id);
    const unlimited = docs.filter((doc) => doc.maxUses === undefined).map((doc) => doc._id);
    const uses = new Map<string, number>();
    if (limited.length > 0) {
      // FerretDB 1.24 has no $max accumulator; slots have no gaps, so their count is the highest n.
      const counts = await this.#uses
        .aggregate<{ _id: string; n: number }>([
          { $match: { nonce: { $in: limited } } },
          { $group: { _id: '$nonce', n: { $sum: 1 } } },
        ])
        .toArray();
      for (const count of counts) uses.set(count._id, count.n);
    }
    if (unlimited.length > 0) {
      for (const counter of await this.#counters.find({ _id: { $in: unlimited } }).toArray())
        uses.set(counter._id, counter.uses);
    }
    return docs.map((doc) => storedToRecord(doc, uses.get(doc._id) ?? 0));
  }

  async revoke(id: string, now: Date): Promise<boolean> {
    const result = await this.#nonces.updateOne(
      { _id: requireNonceString('id', id), revoked: null },
      { $set: { revoked: now.toISOString() } },
    );
    return result.modifiedCount > 0;
  }

  async use(id: string, hash: string, now: Date): Promise<NonceUseResult> {
    requireNonceString('id', id);
    requireNonceString('hash', hash);
    const doc = await this.#nonces.findOne({ _id: id });
    if (doc === null || !hashMatches(doc.hash, hash)) return { outcome: 'unknown' };
    const refused = notLive(storedToRecord(doc, 0), now);
    if (refused !== undefined) return { outcome: refused, nonce: storedToRecord(doc, await this.#usesOf(doc)) };
    if (doc.maxUses === undefined) {
      const uses = await this.#countUnlimited(id);
      return { outcome: 'accepted', nonce: storedToRecord(doc, uses) };
    }
    for (let n = (await this.#highestSlot(id)) + 1; n <= doc.maxUses; n++) {
      try {
        await this.#uses.insertOne({ _id: `${id}#${n}`, nonce: id, n, at: now.toISOString() });
      } catch (err) {
        if (isDuplicateKey(err)) continue;
        throw err;
      }
      return { outcome: 'accepted', nonce: storedToRecord(doc, n) };
    }
    return { outcome: 'exhausted', nonce: storedToRecord(doc, doc.maxUses) };
  }

  /** Uses so far: the highest slot of a limited nonce, the counter of an unlimited one. */
  async #usesOf(doc: StoredNonce): Promise<number> {
    if (doc.maxUses !== undefined) return this.#highestSlot(doc._id);
    const counter = await this.#counters.findOne({ _id: doc._id });
    return counter?.uses ?? 0;
  }

  async #highestSlot(id: string): Promise<number> {
    const [latest] = await this.#uses.find({ nonce: id }).sort({ n: -1 }).limit(1).toArray();
    return latest?.n ?? 0;
  }

  /** Counts one use of an unlimited nonce and returns the new count. */
  async #countUnlimited(id: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const after = await this.#counters.findOneAndUpdate(
          { _id: id },
          { $inc: { uses: 1 } },
          { upsert: true, returnDocument: 'after' },
        );
        return after?.uses ?? 1;
      } catch (err) {
        // Two first uses raced to create the counter: the loser retries against the winner's document.
        if (!isDuplicateKey(err) || attempt >= 2) throw err;
      }
    }
  }
}
