import type { Collection } from 'mongodb';
import type { LaunchRecord } from '../../../model/job.js';
import type { LaunchExpectation } from '../../../ports/job-store.js';
import { isDuplicateKey } from './mongo-errors.js';
import { ensureIndexes } from './mongo-indexes.js';
import type { StoredJob } from './mongo-documents.js';

/** One launch record of a job: `_id` is `<uuid>@<seq>`; a unique insert makes a transition win. */
export interface StoredLaunch {
  _id: string;
  job: string;
  seq: number;
  record: LaunchRecord;
}

function matches(record: LaunchRecord | undefined, expected: LaunchExpectation): boolean {
  if (expected === null) return record === undefined;
  return record?.state === expected.state && record.by === expected.by && record.at === expected.at;
}

/**
 * Launch records as an append-only chain, like claims: the n-th record of job u is the document
 * `u@n`, and inserting it is the atomic step, since FerretDB has no atomic conditional update (two
 * `updateOne`s filtered on the old record may both match). Of concurrent writers that read the
 * same latest record exactly one inserts the next. The job's `launch` field is a projection for
 * reads; an apply that rewrites the job document may set it back, so a refused transition puts
 * the chain's latest record there again.
 */
export class MongoLaunches {
  readonly #jobs: Collection<StoredJob>;
  readonly #launches: Collection<StoredLaunch>;

  constructor(jobs: Collection<StoredJob>, launches: Collection<StoredLaunch>) {
    this.#jobs = jobs;
    this.#launches = launches;
  }

  async init(): Promise<void> {
    await ensureIndexes(this.#launches, [{ key: { job: 1, seq: -1 }, name: 'job_seq' }]);
  }

  async mark(uuid: string, expected: LaunchExpectation, record: LaunchRecord): Promise<boolean> {
    if ((await this.#jobs.countDocuments({ _id: uuid }, { limit: 1 })) === 0) return false;
    const latest = await this.#latest(uuid);
    if (!matches(latest?.record, expected)) {
      if (latest !== undefined) await this.#project(uuid, latest.record);
      return false;
    }
    const seq = latest === undefined ? 0 : latest.seq + 1;
    try {
      await this.#launches.insertOne({ _id: `${uuid}@${seq}`, job: uuid, seq, record: { ...record } });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    await this.#project(uuid, record);
    return true;
  }

  /**
   * The job's launch record as the chain has it, given the one its projection shows. Only a
   * projected `intent` is looked up: FerretDB rewrites a whole document on update, so a job
   * write racing the projection of a later record can put an `intent` back after the chain
   * moved on (and for a job that has ended, no later transition would repair it).
   */
  async current(uuid: string, projected: LaunchRecord | undefined): Promise<LaunchRecord | undefined> {
    if (projected?.state !== 'intent') return projected;
    const latest = await this.#latest(uuid);
    if (latest === undefined || matches(latest.record, projected)) return projected;
    await this.#project(uuid, latest.record);
    return { ...latest.record };
  }

  async #latest(uuid: string): Promise<StoredLaunch | undefined> {
    const [latest] = await this.#launches.find({ job: uuid }).sort({ seq: -1 }).limit(1).toArray();
    return latest;
  }

  async #project(uuid: string, record: LaunchRecord): Promise<void> {
    await this.#jobs.updateOne({ _id: uuid }, { $set: { launch: { ...record } } });
  }
}
