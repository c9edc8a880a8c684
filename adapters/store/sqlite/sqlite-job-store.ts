import type Database from 'better-sqlite3';
import { StatementCache } from '../../sqlite/statement-cache.js';
import { WriteBatcher } from '../../sqlite/write-batcher.js';
import type {
  ApplyCommand,
  BeatCommand,
  ClaimableQuery,
  CreateResult,
  EventLocation,
  HistoryQuery,
  JobPage,
  JobStore,
  ListQuery,
  LaunchExpectation,
  NewJobRecord,
} from '../../../ports/job-store.js';
import type { HistoryEntry, JobDocument, LaunchRecord } from '../../../model/job.js';
import { decodeCursor, encodeCursor, pageSize } from '../../../model/list-cursor.js';
import { eventIdConflict, unknownJob, versionConflict, type EventOutcome } from '../../../model/event-outcome.js';
import { SQLITE_SCHEMA, upgradeSchema } from './sqlite-schema.js';
import { isJobNoteName } from '../../../model/job-notes.js';
import { entryToRow, jobToRow, rowToEntry, rowToJob, type HistoryRow, type JobRow } from './sqlite-rows.js';
import { openDatabase } from '../../sqlite/open-database.js';

/** Options of {@link SqliteJobStore}. */
export interface SqliteJobStoreOptions {
  /** A file path, or `:memory:`. */
  readonly path: string;
  /** How long a writer waits for another process's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** Most writes committed in one transaction. */
const MAX_GROUP = 512;

/**
 * {@link JobStore} on SQLite (better-sqlite3). The creates and applies issued in the same turn of
 * the event loop share one IMMEDIATE transaction — a group commit: each caller's promise settles
 * only after that commit, so nothing is reported applied before it is durable, and a busy manager
 * writes each page once per batch instead of once per event. Refusals are outcomes decided before
 * a write starts; an unexpected error undoes the whole group (every caller sees it; nothing was
 * applied). WAL mode lets several processes share a file.
 */
export class SqliteJobStore implements JobStore {
  readonly #db: Database.Database;
  readonly #statements: StatementCache;
  readonly #writes: WriteBatcher;

  constructor(options: SqliteJobStoreOptions) {
    this.#db = openDatabase(options.path, options.busyTimeoutMs ?? 5000);
    this.#statements = new StatementCache(this.#db);
    this.#writes = new WriteBatcher((work) => this.#db.transaction(work).immediate(), MAX_GROUP);
  }

  async init(): Promise<void> {
    this.#db.exec(SQLITE_SCHEMA);
    upgradeSchema(this.#db);
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  async create(record: NewJobRecord): Promise<CreateResult> {
    return this.#writes.enqueue((): CreateResult => {
      const inserted = this.#stmt(
        `INSERT INTO jobs (uuid, ulid, pipeline, state, version, data, created, updated, last_event, owner, creator,
           site, queue, archive_path, detail, claim_by, claim_until, seq, launch, phase, stale_since, stale_until,
           hb_timeout, hb_until, hb_count, hb_last)
         VALUES (@uuid, @ulid, @pipeline, @state, @version, @data, @created, @updated, @last_event, @owner, @creator,
           @site, @queue, @archive_path, @detail, @claim_by, @claim_until, @seq, @launch, @phase, @stale_since,
           @stale_until, @hb_timeout, @hb_until, @hb_count, @hb_last)
         ON CONFLICT (uuid) DO NOTHING`,
      ).run(jobToRow(record.job));
      if (inserted.changes === 0) return { created: false, job: this.#getSync(record.job.uuid) as JobDocument };
      this.#insertEntry(record.job.uuid, record.entry);
      return { created: true, job: record.job };
    });
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
    const claim = command.set?.claim;
    return this.#writes.enqueue((): EventOutcome => {
      const seen = this.#findEventSync(entry.id);
      if (seen !== undefined) {
        if (seen.uuid !== uuid) return eventIdConflict(entry.id, seen.uuid);
        return { outcome: 'duplicate', job: this.#getSync(uuid) as JobDocument };
      }
      const stale = command.set?.stale;
      const heartbeat = command.set?.heartbeat;
      const row = this.#stmt(
        `UPDATE jobs SET state = @state, version = @version, updated = @date,
           last_event = COALESCE(@lastEvent, last_event),
           detail = CASE WHEN @setDetail = 1 THEN @detail ELSE detail END, seq = COALESCE(@seq, seq),
           phase = COALESCE(@phase, phase), attempts = COALESCE(@attempts, attempts),
           retries_exhausted = CASE WHEN @setExhausted = 1 THEN @exhausted ELSE retries_exhausted END,
           claim_by = CASE WHEN @setClaim = 1 THEN @claimBy ELSE claim_by END,
           claim_until = CASE WHEN @setClaim = 1 THEN @claimUntil ELSE claim_until END,
           stale_since = CASE WHEN @setStale = 1 THEN @staleSince ELSE stale_since END,
           stale_until = CASE WHEN @setStale = 1 THEN @staleUntil ELSE stale_until END,
           hb_until = COALESCE(@hbUntil, hb_until), hb_count = COALESCE(@hbCount, hb_count),
           hb_last = COALESCE(@hbLast, hb_last)
         WHERE uuid = @uuid AND version = @expectedVersion AND state = @expectedState
           AND (@leaseUntil IS NULL OR hb_until = @leaseUntil)
         RETURNING *`,
      ).get({
        setStale: stale === undefined ? 0 : 1,
        staleSince: stale?.since ?? null,
        staleUntil: stale?.until ?? null,
        hbUntil: heartbeat?.until ?? null,
        hbCount: heartbeat?.count ?? null,
        hbLast: heartbeat?.last ?? null,
        leaseUntil: expected.leaseUntil ?? null,
        uuid,
        state: entry.state,
        version: entry.version,
        date: entry.date,
        lastEvent: isJobNoteName(entry.name) ? null : entry.name,
        setClaim: claim === undefined ? 0 : 1,
        claimBy: claim?.by ?? null,
        claimUntil: claim?.until ?? null,
        setDetail: command.detail === undefined ? 0 : 1,
        detail: command.detail === undefined ? null : JSON.stringify(command.detail),
        expectedVersion: expected.version,
        expectedState: expected.state,
        seq: entry.seq ?? null,
        phase: command.phase ?? null,
        attempts: command.set?.attempts ?? null,
        setExhausted: command.set?.retriesExhausted === undefined ? 0 : 1,
        exhausted: command.set?.retriesExhausted ?? null,
      }) as JobRow | undefined;
      if (row === undefined) return this.#getSync(uuid) === undefined ? unknownJob(uuid) : versionConflict(uuid);
      this.#insertEntry(uuid, entry);
      return { outcome: 'applied', job: rowToJob(row), from: expected.state, entry };
    });
  }

  async get(uuid: string): Promise<JobDocument | undefined> {
    return this.#getSync(uuid);
  }

  async findEvent(eventId: string): Promise<EventLocation | undefined> {
    return this.#findEventSync(eventId);
  }

  async history(uuid: string, query: HistoryQuery = {}): Promise<HistoryEntry[]> {
    const rows = this.#stmt(
      'SELECT * FROM history WHERE job = @uuid AND version > @after ORDER BY version ASC LIMIT @limit',
    ).all({ uuid, after: query.afterVersion ?? 0, limit: query.limit ?? -1 }) as HistoryRow[];
    return rows.map(rowToEntry);
  }

  async list(query: ListQuery = {}): Promise<JobPage> {
    const limit = pageSize(query.limit);
    const desc = query.order !== 'asc';
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: limit + 1 };
    const equal = (column: string, value: string | undefined): void => {
      if (value === undefined) return;
      where.push(`${column} = @${column}`);
      params[column] = value;
    };
    const range = (column: string, op: string, name: string, value: string | undefined): void => {
      if (value === undefined) return;
      where.push(`${column} ${op} @${name}`);
      params[name] = value;
    };
    equal('pipeline', query.pipeline);
    equal('owner', query.owner);
    equal('site', query.site);
    equal('phase', query.phase);
    if (query.stale !== undefined) where.push(query.stale ? 'stale_since IS NOT NULL' : 'stale_since IS NULL');
    if (query.leaseExpiredBy !== undefined) {
      where.push('stale_since IS NULL', 'hb_until <= @leaseExpiredBy');
      params['leaseExpiredBy'] = query.leaseExpiredBy;
    }
    equal('ulid', query.ulid);
    if (query.state !== undefined) {
      const states = typeof query.state === 'string' ? [query.state] : query.state;
      where.push(`state IN (${states.map((_, i) => `@state${i}`).join(', ') || 'NULL'})`);
      states.forEach((s, i) => (params[`state${i}`] = s));
    }
    range('created', '>=', 'createdSince', query.createdSince);
    range('created', '<=', 'createdUntil', query.createdUntil);
    range('updated', '>=', 'updatedSince', query.updatedSince);
    range('updated', '<=', 'updatedUntil', query.updatedUntil);
    if (query.cursor !== undefined) range('ulid', desc ? '<' : '>', 'cursor', decodeCursor(query.cursor));
    const sql = `SELECT * FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ulid ${desc ? 'DESC' : 'ASC'} LIMIT @limit`;
    const rows = this.#stmt(sql).all(params) as JobRow[];
    const jobs = rows.slice(0, limit).map(rowToJob);
    const last = jobs.at(-1);
    return rows.length > limit && last !== undefined ? { jobs, nextCursor: encodeCursor(last.ulid) } : { jobs };
  }

  async claimable(query: ClaimableQuery): Promise<JobDocument[]> {
    const rows = this.#stmt(
      `SELECT * FROM jobs INDEXED BY jobs_claim_order
       WHERE site = @site AND queue = @queue AND state = 'CREATED' AND (claim_until IS NULL OR claim_until <= @now)
       ORDER BY claim_until ASC, ulid ASC LIMIT @limit`,
    ).all({ site: query.site, queue: query.queue, now: query.now.toISOString(), limit: query.limit }) as JobRow[];
    return rows.map(rowToJob);
  }

  async markLaunch(uuid: string, expected: LaunchExpectation, record: LaunchRecord): Promise<boolean> {
    const launch = JSON.stringify(record);
    const result =
      expected === null
        ? this.#stmt('UPDATE jobs SET launch = @launch WHERE uuid = @uuid AND launch IS NULL').run({ uuid, launch })
        : this.#stmt(
            `UPDATE jobs SET launch = @launch WHERE uuid = @uuid AND json_extract(launch, '$.state') = @state
               AND json_extract(launch, '$.by') = @by AND json_extract(launch, '$.at') = @at`,
          ).run({ uuid, launch, state: expected.state, by: expected.by, at: expected.at });
    return result.changes === 1;
  }

  async beat(command: BeatCommand): Promise<JobDocument | undefined> {
    return this.#writes.enqueue((): JobDocument | undefined => {
      const row = this.#stmt(
        `UPDATE jobs SET hb_count = COALESCE(hb_count, 0) + 1, hb_last = @at, hb_until = COALESCE(@until, hb_until)
         WHERE uuid = @uuid AND state = @state AND version = @version AND stale_since IS NULL RETURNING *`,
      ).get({
        uuid: command.uuid,
        state: command.state,
        version: command.version,
        at: command.at,
        until: command.until ?? null,
      }) as JobRow | undefined;
      return row === undefined ? undefined : rowToJob(row);
    });
  }

  #getSync(uuid: string): JobDocument | undefined {
    const row = this.#stmt('SELECT * FROM jobs WHERE uuid = ?').get(uuid) as JobRow | undefined;
    return row === undefined ? undefined : rowToJob(row);
  }

  #findEventSync(eventId: string): EventLocation | undefined {
    const row = this.#stmt('SELECT job, version, name FROM history WHERE id = ?').get(eventId) as
      { job: string; version: number; name: string } | undefined;
    return row === undefined
      ? undefined
      : { uuid: row.job, version: row.version, name: row.name as EventLocation['name'] };
  }

  #insertEntry(uuid: string, entry: HistoryEntry): void {
    this.#stmt(
      `INSERT INTO history (id, job, version, name, date, data, source, state, seq, phase)
       VALUES (@id, @job, @version, @name, @date, @data, @source, @state, @seq, @phase) ON CONFLICT (id) DO NOTHING`,
    ).run(entryToRow(uuid, entry));
  }

  #stmt(sql: string): Database.Statement {
    return this.#statements.get(sql);
  }
}
