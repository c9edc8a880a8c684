import { decodeCursor, encodeCursor, pageSize } from '../../model/list-cursor.js';
import { eventIdConflict, unknownJob, versionConflict, type EventOutcome } from '../../model/event-outcome.js';
import { isJobNoteName } from '../../model/job-notes.js';
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
} from '../../ports/job-store.js';
import type { LaunchRecord } from '../../model/job.js';

type JobDocument = CreateResult['job'];
type HistoryEntry = NewJobRecord['entry'];

/** A job as kept: its document and its history, both as JSON text. */
interface StoredJob {
  doc: string;
  readonly history: string[];
}

/**
 * {@link JobStore} in memory, for unit tests of the code above the port; it passes
 * `test/contract/job-store.contract.ts` like the real adapters. Every method does its work in one
 * synchronous step, so each write is atomic; awaits between calls let callers race as they would
 * against a database. Documents are kept as JSON text and parsed on every read, so a caller never
 * holds a live reference and hostile keys (`__proto__`, `$where`) round-trip as own keys.
 */
export class MemoryJobStore implements JobStore {
  readonly #jobs = new Map<string, StoredJob>();
  readonly #events = new Map<string, EventLocation>();

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async create(record: NewJobRecord): Promise<CreateResult> {
    const existing = this.#get(record.job.uuid);
    if (existing !== undefined) return { created: false, job: existing };
    this.#jobs.set(record.job.uuid, { doc: JSON.stringify(record.job), history: [JSON.stringify(record.entry)] });
    this.#events.set(record.entry.id, {
      uuid: record.job.uuid,
      version: record.entry.version,
      name: record.entry.name,
    });
    return { created: true, job: this.#get(record.job.uuid) as JobDocument };
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
    const seen = this.#events.get(entry.id);
    if (seen !== undefined) {
      if (seen.uuid !== uuid) return eventIdConflict(entry.id, seen.uuid);
      return { outcome: 'duplicate', job: this.#get(uuid) as JobDocument };
    }
    const stored = this.#jobs.get(uuid);
    if (stored === undefined) return unknownJob(uuid);
    const job = JSON.parse(stored.doc) as JobDocument;
    if (job.state !== expected.state || job.version !== expected.version) return versionConflict(uuid);
    if (expected.leaseUntil !== undefined && job.heartbeat?.until !== expected.leaseUntil) return versionConflict(uuid);
    const { stale, heartbeat } = command.set ?? {};
    const moved: JobDocument = {
      ...job,
      state: entry.state,
      version: entry.version,
      updated: entry.date,
      ...(!isJobNoteName(entry.name) && { lastEvent: entry.name }),
      ...(command.detail !== undefined && { detail: command.detail }),
      ...(entry.seq !== undefined && { seq: entry.seq }),
      ...(command.phase !== undefined && { phase: command.phase }),
      ...(command.set?.attempts !== undefined && { attempts: command.set.attempts }),
      ...(typeof command.set?.retriesExhausted === 'string' && { retriesExhausted: command.set.retriesExhausted }),
      ...(stale !== undefined && stale !== null && { stale }),
      ...(heartbeat !== undefined && {
        heartbeat: {
          ...job.heartbeat,
          ...Object.fromEntries(Object.entries(heartbeat).filter(([, v]) => v !== undefined)),
        },
      }),
    };
    if (command.set?.retriesExhausted === null) delete moved.retriesExhausted;
    if (stale === null) delete moved.stale;
    const claim = command.set?.claim;
    if (claim === null) delete moved.claim;
    else if (claim !== undefined) moved.claim = { ...claim };
    stored.doc = JSON.stringify(moved);
    stored.history.push(JSON.stringify(entry));
    this.#events.set(entry.id, { uuid, version: entry.version, name: entry.name });
    return { outcome: 'applied', job: this.#get(uuid) as JobDocument, from: expected.state, entry };
  }

  async get(uuid: string): Promise<JobDocument | undefined> {
    return this.#get(uuid);
  }

  async findEvent(eventId: string): Promise<EventLocation | undefined> {
    const found = this.#events.get(eventId);
    return found === undefined ? undefined : { ...found };
  }

  async history(uuid: string, query: HistoryQuery = {}): Promise<HistoryEntry[]> {
    const entries = (this.#jobs.get(uuid)?.history ?? []).map((text) => JSON.parse(text) as HistoryEntry);
    const after = entries.filter((entry) => entry.version > (query.afterVersion ?? 0));
    return query.limit === undefined ? after : after.slice(0, query.limit);
  }

  async list(query: ListQuery = {}): Promise<JobPage> {
    const limit = pageSize(query.limit);
    const desc = query.order !== 'asc';
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const states =
      query.state === undefined ? undefined : typeof query.state === 'string' ? [query.state] : query.state;
    const within = (value: string, since: string | undefined, until: string | undefined): boolean =>
      (since === undefined || value >= since) && (until === undefined || value <= until);
    const matching = this.#all()
      .filter(
        (job) =>
          (query.pipeline === undefined || job.pipeline === query.pipeline) &&
          (query.owner === undefined || job.owner === query.owner) &&
          (query.site === undefined || job.site === query.site) &&
          (query.phase === undefined || job.phase === query.phase) &&
          (query.stale === undefined || (job.stale !== undefined) === query.stale) &&
          (query.leaseExpiredBy === undefined ||
            (job.stale === undefined &&
              job.heartbeat?.until !== undefined &&
              job.heartbeat.until <= query.leaseExpiredBy)) &&
          (query.ulid === undefined || job.ulid === query.ulid) &&
          (states === undefined || states.includes(job.state)) &&
          within(job.created, query.createdSince, query.createdUntil) &&
          within(job.updated, query.updatedSince, query.updatedUntil) &&
          (cursor === undefined || (desc ? job.ulid < cursor : job.ulid > cursor)),
      )
      .sort((a, b) => (a.ulid < b.ulid ? -1 : 1) * (desc ? -1 : 1));
    const jobs = matching.slice(0, limit);
    const last = jobs.at(-1);
    return matching.length > limit && last !== undefined ? { jobs, nextCursor: encodeCursor(last.ulid) } : { jobs };
  }

  async claimable(query: ClaimableQuery): Promise<JobDocument[]> {
    const now = query.now.toISOString();
    return this.#all()
      .filter(
        (job) =>
          job.state === 'CREATED' &&
          job.site === query.site &&
          job.queue === query.queue &&
          (job.claim === undefined || job.claim.until <= now),
      )
      .sort((a, b) => {
        const [x, y] = [a.claim?.until ?? '', b.claim?.until ?? ''];
        return x !== y ? (x < y ? -1 : 1) : a.ulid < b.ulid ? -1 : 1;
      })
      .slice(0, query.limit);
  }

  async markLaunch(uuid: string, expected: LaunchExpectation, record: LaunchRecord): Promise<boolean> {
    const job = this.#get(uuid);
    if (job === undefined) return false;
    const current = job.launch;
    const matches =
      expected === null
        ? current === undefined
        : current?.state === expected.state && current.by === expected.by && current.at === expected.at;
    if (!matches) return false;
    this.#put({ ...job, launch: record });
    return true;
  }

  async beat(command: BeatCommand): Promise<JobDocument | undefined> {
    const job = this.#get(command.uuid);
    if (job === undefined || job.state !== command.state || job.version !== command.version) return undefined;
    if (job.stale !== undefined) return undefined;
    this.#put({
      ...job,
      heartbeat: {
        ...job.heartbeat,
        count: (job.heartbeat?.count ?? 0) + 1,
        last: command.at,
        ...(command.until !== undefined && { until: command.until }),
      },
    });
    return this.#get(command.uuid);
  }

  #get(uuid: string): JobDocument | undefined {
    const stored = this.#jobs.get(uuid);
    return stored === undefined ? undefined : (JSON.parse(stored.doc) as JobDocument);
  }

  #put(job: JobDocument): void {
    const stored = this.#jobs.get(job.uuid);
    if (stored !== undefined) stored.doc = JSON.stringify(job);
  }

  #all(): JobDocument[] {
    return [...this.#jobs.values()].map((stored) => JSON.parse(stored.doc) as JobDocument);
  }
}
