import { MongoClient, type Collection, type Db, type Filter } from 'mongodb';
import type {
  ApplyCommand,
  BeatCommand,
  ClaimableQuery,
  CreateResult,
  EventLocation,
  HistoryQuery,
  JobPage,
  JobStore,
  LaunchExpectation,
  ListQuery,
  NewJobRecord,
} from '../../../ports/job-store.js';
import type { HistoryEntry, JobDocument, LaunchRecord } from '../../../model/job.js';
import { decodeCursor, encodeCursor, pageSize } from '../../../model/list-cursor.js';
import { eventIdConflict, unknownJob, versionConflict, type EventOutcome } from '../../../model/event-outcome.js';
import { listFilter, requireString } from './mongo-list-filter.js';
import { DEFAULT_QUEUE } from '../../../model/site-queue.js';
import { isDuplicateKey } from './mongo-errors.js';
import { ensureIndexes } from './mongo-indexes.js';
import { MongoLaunches, type StoredLaunch } from './mongo-launches.js';
import {
  entryAppliesTo,
  entryPrecondition,
  entryToJobUpdate,
  entryToStored,
  jobToStored,
  storedToEntry,
  storedToJob,
  type StoredEntry,
  type StoredJob,
} from './mongo-documents.js';

/** Options of {@link MongoJobStore}. */
export interface MongoJobStoreOptions {
  /** A MongoDB connection string (MongoDB or a MongoDB-wire server such as FerretDB). */
  readonly url: string;
  /** Database name (default `pipelinejobs`). */
  readonly database?: string;
  /** How long to wait for a server before an operation fails (default 10 s). */
  readonly serverSelectionTimeoutMs?: number;
  /** Most connections to the server (default 16); more requests queue in the driver. */
  readonly maxPoolSize?: number;
}

/**
 * {@link JobStore} on MongoDB, written to work the same on FerretDB, which has no transactions and
 * whose conditional updates are not atomic (it reads, then rewrites the document by `_id`).
 *
 * The commit point of every change is therefore an insert guarded by a unique index, the one
 * primitive both servers make atomic:
 * - an event commits when its history entry is inserted: `_id` = event id (idempotency) and the
 *   unique pair (`job`, `version`) (the precondition: only one entry can follow version n);
 * - a claim or release is a note (an entry that keeps the state), so it commits the same way,
 *   and the job's `claim` field it changes is rolled forward from the entry like the state;
 * - a launch record commits when `<uuid>@<seq>` is inserted into `launches`.
 * The `jobs` document is a projection of those logs for reads and queries. It is updated right
 * after the commit; if a process dies in between (or a FerretDB rewrite races), the next write to
 * that job meets the unique index, rolls the projection forward from the log, and retries.
 * History lives in its own collection, so appending to a job with 10,000 entries costs the same
 * as appending to a new one (no array rewrite, no read of old entries).
 */
export class MongoJobStore implements JobStore {
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #jobs: Collection<StoredJob>;
  readonly #history: Collection<StoredEntry>;
  readonly #launches: MongoLaunches;

  constructor(options: MongoJobStoreOptions) {
    // A bounded pool: FerretDB 1.24 stops answering when more requests are in flight than its
    // PostgreSQL pool holds connections (seen at the driver's default of 100 with 200 in flight).
    this.#client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 10_000,
      maxPoolSize: options.maxPoolSize ?? 16,
    });
    this.#db = this.#client.db(options.database ?? 'pipelinejobs');
    this.#jobs = this.#db.collection<StoredJob>('jobs');
    this.#history = this.#db.collection<StoredEntry>('history');
    this.#launches = new MongoLaunches(this.#jobs, this.#db.collection<StoredLaunch>('launches'));
  }

  async init(): Promise<void> {
    await this.#client.connect();
    await ensureIndexes(this.#jobs, [
      { key: { ulid: 1 }, name: 'ulid', unique: true },
      { key: { pipeline: 1, ulid: -1 }, name: 'pipeline_ulid' },
      { key: { state: 1, ulid: -1 }, name: 'state_ulid' },
      { key: { owner: 1, ulid: -1 }, name: 'owner_ulid' },
      { key: { site: 1, ulid: -1 }, name: 'site_ulid' },
      { key: { site: 1, queue: 1, state: 1, 'claim.until': 1, ulid: 1 }, name: 'claim_order' },
      { key: { phase: 1, ulid: -1 }, name: 'phase_ulid' },
      { key: { stale: 1, ulid: -1 }, name: 'stale_ulid' },
      { key: { 'heartbeat.until': 1 }, name: 'lease' },
      { key: { updated: 1 }, name: 'updated' },
      { key: { created: 1 }, name: 'created' },
    ]);
    await ensureIndexes(this.#history, [{ key: { job: 1, version: 1 }, name: 'job_version', unique: true }]);
    await this.#launches.init();
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  /** Drops this store's database; for tests and benchmarks that made a throwaway one. */
  async dropDatabase(): Promise<void> {
    await this.#db.dropDatabase();
  }

  async create(record: NewJobRecord): Promise<CreateResult> {
    let created = true;
    try {
      await this.#jobs.insertOne(jobToStored(record.job));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      created = false;
    }
    // Also on a repeated create: finishes a create that died between its two inserts.
    await this.#insertIgnoringDuplicate(entryToStored(record.job.uuid, record.entry));
    if (created) return { created, job: record.job };
    const existing = await this.get(record.job.uuid);
    if (existing === undefined) throw new Error(`job ${record.job.uuid} vanished during create`);
    return { created, job: existing };
  }

  async apply(command: ApplyCommand): Promise<EventOutcome> {
    const { uuid, expected, entry } = command;
    if (entry.version !== expected.version + 1) {
      throw new RangeError(
        `entry.version must be expected.version + 1 (got ${entry.version} after ${expected.version})`,
      );
    }
    if (command.phase !== entry.phase) {
      throw new RangeError(`phase must equal entry.phase (got ${command.phase} and ${entry.phase})`);
    }
    const stored = entryToStored(uuid, entry, { detail: command.detail, set: command.set, expected });
    try {
      await this.#history.insertOne(stored);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return this.#afterRefusedInsert(uuid, entry.id);
    }
    const after = await this.#jobs.findOneAndUpdate(
      entryPrecondition(stored),
      { $set: entryToJobUpdate(stored) },
      { returnDocument: 'after' },
    );
    if (after !== null) return { outcome: 'applied', job: storedToJob(after), from: expected.state, entry };
    const current = await this.#jobs.findOne({ _id: uuid });
    if (current === null) {
      await this.#history.deleteOne({ _id: entry.id });
      return unknownJob(uuid);
    }
    if (current.version === expected.version && !entryAppliesTo(stored, current)) {
      // The caller's precondition is false. Every roll-forward checks it too, so no other writer has
      // applied the entry, and (versions only grow, a lease only moves on) none will: it may go.
      await this.#history.deleteOne({ _id: entry.id });
      return versionConflict(uuid);
    }
    // The entry is committed: the projection moved on over it, or (FerretDB rewriting a document it
    // read earlier) went back for a moment; either way rolling forward brings it in.
    const rolled = await this.#rollForward(uuid);
    return { outcome: 'applied', job: rolled ?? storedToJob(current), from: expected.state, entry };
  }

  /**
   * The projection, rolled forward first when the history is ahead of it: a writer that died
   * between the history insert and the projection update, or FerretDB rewriting the document over
   * a concurrent update (a launch record's), leaves it behind, and a reader that acts on what it
   * reads (a dispatcher waiting for `ready`) must not wait for a write that may never come.
   */
  async get(uuid: string): Promise<JobDocument | undefined> {
    const doc = await this.#jobs.findOne({ _id: uuid });
    if (doc === null) return undefined;
    const ahead = await this.#history.findOne({ job: uuid, version: doc.version + 1 }, { projection: { _id: 1 } });
    const job = ahead === null ? storedToJob(doc) : ((await this.#rollForward(uuid)) ?? storedToJob(doc));
    const launch = await this.#launches.current(uuid, job.launch);
    return launch === job.launch ? job : { ...job, ...(launch !== undefined && { launch }) };
  }

  async findEvent(eventId: string): Promise<EventLocation | undefined> {
    const doc = await this.#history.findOne({ _id: eventId }, { projection: { job: 1, version: 1, name: 1 } });
    return doc === null ? undefined : { uuid: doc.job, version: doc.version, name: doc.name as EventLocation['name'] };
  }

  async history(uuid: string, query: HistoryQuery = {}): Promise<HistoryEntry[]> {
    let cursor = this.#history.find({ job: uuid, version: { $gt: query.afterVersion ?? 0 } }).sort({ version: 1 });
    if (query.limit !== undefined) cursor = cursor.limit(query.limit);
    return (await cursor.toArray()).map(storedToEntry);
  }

  async list(query: ListQuery = {}): Promise<JobPage> {
    const limit = pageSize(query.limit);
    const desc = query.order !== 'asc';
    const filter = listFilter(query);
    if (query.cursor !== undefined)
      filter.ulid = {
        ...(query.ulid !== undefined && { $eq: requireString('ulid', query.ulid) }),
        ...(desc ? { $lt: decodeCursor(query.cursor) } : { $gt: decodeCursor(query.cursor) }),
      };
    const docs = await this.#jobs
      .find(filter)
      .sort({ ulid: desc ? -1 : 1 })
      .limit(limit + 1)
      .toArray();
    const jobs = docs.slice(0, limit).map(storedToJob);
    const last = jobs.at(-1);
    return docs.length > limit && last !== undefined ? { jobs, nextCursor: encodeCursor(last.ulid) } : { jobs };
  }

  async claimable(query: ClaimableQuery): Promise<JobDocument[]> {
    const now = query.now.toISOString();
    const queue = requireString('queue', query.queue);
    const filter: Filter<StoredJob> = {
      site: requireString('site', query.site),
      // Jobs stored before queues existed wait in the default one.
      queue: queue === DEFAULT_QUEUE ? { $in: [queue, null as unknown as string] } : queue,
      state: 'CREATED',
      $or: [{ claim: null }, { 'claim.until': { $lte: now } }],
    };
    const docs = await this.#jobs.find(filter).sort({ 'claim.until': 1, ulid: 1 }).limit(query.limit).toArray();
    return docs.map(storedToJob);
  }

  async markLaunch(uuid: string, expected: LaunchExpectation, record: LaunchRecord): Promise<boolean> {
    return this.#launches.mark(uuid, expected, record);
  }

  /**
   * On MongoDB one atomic update. FerretDB rewrites the document it read, so a beat racing an
   * event's projection update can lose a count or put the projection back one version; the event
   * itself is committed in the history and the next write rolls the projection forward.
   */
  async beat(command: BeatCommand): Promise<JobDocument | undefined> {
    const doc = await this.#jobs.findOneAndUpdate(
      { _id: command.uuid, state: command.state, version: command.version, stale: null },
      {
        $inc: { 'heartbeat.count': 1 },
        $set: {
          'heartbeat.last': command.at,
          ...(command.until !== undefined && { 'heartbeat.until': command.until }),
        },
      },
      { returnDocument: 'after' },
    );
    return doc === null ? undefined : storedToJob(doc);
  }

  /** The insert of an entry hit a unique index: either a duplicate event or a lost race for the version. */
  async #afterRefusedInsert(uuid: string, eventId: string): Promise<EventOutcome> {
    const seen = await this.#history.findOne({ _id: eventId }, { projection: { job: 1 } });
    if (seen !== null && seen.job !== uuid) return eventIdConflict(eventId, seen.job);
    const job = await this.#rollForward(uuid);
    if (job === undefined) return unknownJob(uuid);
    return seen !== null ? { outcome: 'duplicate', job } : versionConflict(uuid);
  }

  /** Brings the `jobs` projection up to the newest history entry and returns it. */
  async #rollForward(uuid: string): Promise<JobDocument | undefined> {
    let doc = await this.#jobs.findOne({ _id: uuid });
    if (doc === null) return undefined;
    const pending = await this.#history
      .find({ job: uuid, version: { $gt: doc.version } })
      .sort({ version: 1 })
      .toArray();
    for (const entry of pending) {
      // A gap, or an entry whose precondition failed (its writer takes it back): the rest waits.
      if (!entryAppliesTo(entry, doc)) break;
      const next: StoredJob | null = await this.#jobs.findOneAndUpdate(
        entryPrecondition(entry),
        { $set: entryToJobUpdate(entry) },
        { returnDocument: 'after' },
      );
      doc = next ?? (await this.#jobs.findOne({ _id: uuid }));
      if (doc === null) return undefined;
    }
    return storedToJob(doc);
  }

  async #insertIgnoringDuplicate(entry: StoredEntry): Promise<void> {
    try {
      await this.#history.insertOne(entry);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}
