import type { Collection, Filter } from 'mongodb';
import type { ClaimRequest } from '../../../ports/job-store.js';
import type { JobDocument } from '../../../model/job.js';
import { isDuplicateKey } from './mongo-errors.js';
import { ensureIndexes } from './mongo-indexes.js';
import { requireString } from './mongo-list-filter.js';
import { storedToJob, type StoredClaim, type StoredJob } from './mongo-documents.js';

/** How many candidates one claim call tries before answering "none". */
const CANDIDATES = 32;

/**
 * Claims as an append-only log: the claim with sequence n on job u is the document `u#n`, and
 * inserting it is the atomic step (a unique `_id`), so of N concurrent claimers exactly one wins,
 * on MongoDB and on FerretDB alike. The job's `claim`/`claimSeq` fields are a projection used to
 * find candidates; when it lags, the refused insert reveals the real holder.
 */
export class MongoClaims {
  readonly #jobs: Collection<StoredJob>;
  readonly #claims: Collection<StoredClaim>;

  constructor(jobs: Collection<StoredJob>, claims: Collection<StoredClaim>) {
    this.#jobs = jobs;
    this.#claims = claims;
  }

  async init(): Promise<void> {
    await ensureIndexes(this.#claims, [{ key: { job: 1, seq: -1 }, name: 'job_seq' }]);
    await ensureIndexes(this.#jobs, [{ key: { 'claim.until': 1 }, name: 'claim_until' }]);
  }

  async claim(request: ClaimRequest): Promise<JobDocument | undefined> {
    const now = request.now.toISOString();
    const until = new Date(request.now.getTime() + request.leaseMs).toISOString();
    const filter: Filter<StoredJob> = {
      state: { $in: [...(request.states ?? ['CREATED'])] },
      $or: [{ claim: null }, { 'claim.until': { $lte: now } }],
    };
    if (request.pipeline !== undefined) filter.pipeline = requireString('pipeline', request.pipeline);
    if (request.site !== undefined) filter.site = requireString('site', request.site);
    const candidates = await this.#jobs.find(filter).sort({ ulid: 1 }).limit(CANDIDATES).toArray();
    for (const candidate of candidates) {
      const won = await this.#tryClaim(candidate, request.by, now, until);
      if (won !== undefined) return won;
    }
    return undefined;
  }

  async release(uuid: string, by: string): Promise<boolean> {
    const latest = await this.#latest(uuid);
    if (latest === undefined || latest.released === true || latest.by !== by) return false;
    const seq = latest.seq + 1;
    try {
      await this.#claims.insertOne({
        _id: `${uuid}#${seq}`,
        job: uuid,
        seq,
        by,
        until: new Date(0).toISOString(),
        released: true,
      });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    await this.#jobs.updateOne({ _id: uuid }, { $set: { claim: null, claimSeq: seq } });
    return true;
  }

  /** Tries the sequence after the projected one; on a refused insert, looks at the real holder. */
  async #tryClaim(candidate: StoredJob, by: string, now: string, until: string): Promise<JobDocument | undefined> {
    let seq = (candidate.claimSeq ?? 0) + 1;
    for (;;) {
      try {
        await this.#claims.insertOne({ _id: `${candidate._id}#${seq}`, job: candidate._id, seq, by, until });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const holder = await this.#claims.findOne({ _id: `${candidate._id}#${seq}` });
        if (holder !== null && holder.released !== true && holder.until > now) {
          await this.#jobs.updateOne(
            { _id: candidate._id, claimSeq: { $lt: seq } },
            { $set: { claim: { by: holder.by, until: holder.until }, claimSeq: seq } },
          );
          return undefined;
        }
        seq++;
        continue;
      }
      await this.#jobs.updateOne({ _id: candidate._id }, { $set: { claim: { by, until }, claimSeq: seq } });
      return storedToJob({ ...candidate, claim: { by, until }, claimSeq: seq });
    }
  }

  async #latest(uuid: string): Promise<StoredClaim | undefined> {
    const [latest] = await this.#claims.find({ job: uuid }).sort({ seq: -1 }).limit(1).toArray();
    return latest;
  }
}
