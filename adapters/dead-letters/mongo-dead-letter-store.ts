import { Binary, MongoBulkWriteError, MongoClient, type Collection, type Db, type Filter } from 'mongodb';
import type {
  DeadLetterCount,
  DeadLetterFilter,
  DeadLetterRecord,
  DeadLetterStore,
} from '../../ports/dead-letter-store.js';
import type { HeaderValue, TokenCheck } from '../../ports/event-bus.js';
import { ensureIndexes } from '../store/mongo/mongo-indexes.js';

/** Options of {@link MongoDeadLetterStore}. */
export interface MongoDeadLetterStoreOptions {
  /** A MongoDB connection string (MongoDB or a MongoDB-wire server such as FerretDB). */
  readonly url: string;
  /** Database name (default `pipelinejobs`, the job store's). */
  readonly database?: string;
  /** How long to wait for a server before an operation fails (default 10 s). */
  readonly serverSelectionTimeoutMs?: number;
}

/** A dead letter as stored in `dead_letters`. */
interface StoredDeadLetter {
  /** The dead letter id. */
  _id: string;
  deadAt: string;
  code: string;
  message: string;
  token: string;
  routingKey: string;
  /** JSON: header names are the publisher's, and may be ones MongoDB refuses as field names (`$x`, `a.b`). */
  headers: string;
  messageId?: string;
  body: Binary;
  attempts: number;
  eventId?: string;
  uuid?: string;
  event?: string;
  /** null while the letter waits. */
  replayedAt: string | null;
}

function storedToRecord(doc: StoredDeadLetter): DeadLetterRecord {
  return {
    id: doc._id,
    deadAt: doc.deadAt,
    body: Buffer.from(doc.body.buffer),
    routingKey: doc.routingKey,
    headers: JSON.parse(doc.headers) as Record<string, HeaderValue>,
    ...(doc.messageId !== undefined && { messageId: doc.messageId }),
    reason: { code: doc.code, message: doc.message, token: doc.token as TokenCheck },
    attempts: doc.attempts,
    ...(doc.eventId !== undefined && { eventId: doc.eventId }),
    ...(doc.uuid !== undefined && { uuid: doc.uuid }),
    ...(doc.event !== undefined && { event: doc.event }),
    ...(doc.replayedAt !== null && { replayedAt: doc.replayedAt }),
  };
}

function recordToStored(letter: DeadLetterRecord): StoredDeadLetter {
  return {
    _id: letter.id,
    deadAt: letter.deadAt,
    code: letter.reason.code,
    message: letter.reason.message,
    token: letter.reason.token,
    routingKey: letter.routingKey,
    headers: JSON.stringify(letter.headers),
    ...(letter.messageId !== undefined && { messageId: letter.messageId }),
    body: new Binary(letter.body),
    attempts: letter.attempts,
    ...(letter.eventId !== undefined && { eventId: letter.eventId }),
    ...(letter.uuid !== undefined && { uuid: letter.uuid }),
    ...(letter.event !== undefined && { event: letter.event }),
    replayedAt: letter.replayedAt ?? null,
  };
}

/** The query of a filter. Every value is a string the caller checked, never an operator object. */
function query(filter: DeadLetterFilter, waitingOnly: boolean): Filter<StoredDeadLetter> {
  const deadAt: Record<string, string> = {};
  if (filter.since !== undefined) deadAt['$gte'] = String(filter.since);
  if (filter.before !== undefined) deadAt['$lt'] = String(filter.before);
  return {
    ...(waitingOnly && { replayedAt: null }),
    ...(filter.code !== undefined && { code: String(filter.code) }),
    ...(Object.keys(deadAt).length > 0 && { deadAt }),
  };
}

/** True when every error of an unordered insert is a duplicate id (the letter was kept before). */
function onlyDuplicates(err: unknown): boolean {
  if (!(err instanceof MongoBulkWriteError)) return false;
  const errors: ReadonlyArray<{ readonly code: unknown }> = Array.isArray(err.writeErrors)
    ? err.writeErrors
    : [err.writeErrors];
  return errors.length > 0 && errors.every((e) => e.code === 11000);
}

/**
 * {@link DeadLetterStore} on MongoDB (and FerretDB), in the job store's database. `keep` is an
 * unordered insert whose duplicate-id errors are the idempotence. A replay claim is a conditional
 * update on `replayedAt: null`; on FerretDB, whose conditional updates read then rewrite, two
 * racing claims may both win, and the manager's event-id idempotence then applies the event once.
 */
export class MongoDeadLetterStore implements DeadLetterStore {
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #letters: Collection<StoredDeadLetter>;

  constructor(options: MongoDeadLetterStoreOptions) {
    this.#client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
      maxPoolSize: 4,
    });
    this.#db = this.#client.db(options.database ?? 'pipelinejobs');
    this.#letters = this.#db.collection<StoredDeadLetter>('dead_letters');
  }

  async init(): Promise<void> {
    await this.#client.connect();
    await ensureIndexes(this.#letters, [
      { key: { deadAt: 1, _id: 1 }, name: 'dead_at_id' },
      { key: { replayedAt: 1, code: 1, deadAt: 1 }, name: 'waiting_code_dead_at' },
    ]);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  /** Drops this store's database; for tests that made a throwaway one. */
  async dropDatabase(): Promise<void> {
    await this.#db.dropDatabase();
  }

  async keep(letters: readonly DeadLetterRecord[]): Promise<void> {
    if (letters.length === 0) return;
    try {
      await this.#letters.insertMany(letters.map(recordToStored), { ordered: false });
    } catch (err) {
      if (!onlyDuplicates(err)) throw err;
    }
  }

  async counts(filter: DeadLetterFilter = {}): Promise<DeadLetterCount[]> {
    const groups = await this.#letters
      .aggregate<{ _id: string; count: number }>([
        { $match: query(filter, true) },
        { $group: { _id: '$code', count: { $sum: 1 } } },
      ])
      .toArray();
    return groups
      .map((g) => ({ code: g._id, count: g.count }))
      .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }

  async list(
    filter: DeadLetterFilter & { readonly limit: number; readonly after?: string; readonly replayed?: boolean },
  ): Promise<DeadLetterRecord[]> {
    let selected = query(filter, filter.replayed !== true);
    if (filter.after !== undefined) {
      const last = await this.#letters.findOne({ _id: String(filter.after) });
      if (last !== null) {
        selected = {
          $and: [
            selected,
            { $or: [{ deadAt: { $gt: last.deadAt } }, { deadAt: last.deadAt, _id: { $gt: last._id } }] },
          ],
        };
      }
    }
    const docs = await this.#letters.find(selected).sort({ deadAt: 1, _id: 1 }).limit(filter.limit).toArray();
    return docs.map(storedToRecord);
  }

  async get(id: string): Promise<DeadLetterRecord | undefined> {
    const doc = await this.#letters.findOne({ _id: String(id) });
    return doc === null ? undefined : storedToRecord(doc);
  }

  async markReplayed(id: string, at: Date): Promise<boolean> {
    const result = await this.#letters.updateOne(
      { _id: String(id), replayedAt: null },
      { $set: { replayedAt: at.toISOString() } },
    );
    return result.modifiedCount > 0;
  }

  async unmark(id: string): Promise<void> {
    await this.#letters.updateOne({ _id: String(id) }, { $set: { replayedAt: null } });
  }

  async purge(filter: DeadLetterFilter & { readonly before: string }): Promise<number> {
    const result = await this.#letters.deleteMany(query(filter, false));
    return result.deletedCount;
  }
}
