import { createHmac, timingSafeEqual } from 'node:crypto';
import { PipelineJobsError } from '../errors/index.js';
import { JOB_STATES, nextState, type JobState } from '../fsm/index.js';
import type { JobDocument } from './job.js';

/** What passed the checks that need no job: a job token names its creator's tag, an operator token its expiry. */
export type VerifiedToken =
  { readonly kind: 'job'; readonly creatorTag: string } | { readonly kind: 'operator'; readonly expiresAt: Date };

/**
 * States in which a job is still at work: those that take `update` (CREATED, RUNNING, INDEXING,
 * VALIDATING). A job in any other state has ended, for now or for good.
 */
const LIVE: ReadonlySet<JobState> = new Set(JOB_STATES.filter((state) => nextState(state, 'update').ok));

/** Job token stamps: `j` and the creator's tag (8 base-36 digits); operator stamps are an expiry (base 36). */
const JOB_STAMP = /^j[0-9a-z]{8}$/;
const OPERATOR_STAMP = /^[0-9a-z]{1,12}$/;

/**
 * Per-job tokens, `<stamp>.<HMAC-SHA256(secret, …), base64url>`, compared in constant time. Two kinds:
 *
 * - **Job tokens** (`forJob`), answered to whoever creates a job: bound to the job and to the
 *   credential that created it (its tag is in the stamp), and with no age. They work while the job
 *   is live (see {@link LIVE}), and for `graceSeconds` after its last event once it has ended — so
 *   a job waiting a week in a batch queue and running for another can still report, and its token
 *   dies soon after it ended.
 * - **Operator tokens** (`issue`): `pjm token`, or minted by the bridge for an admin's event.
 *   Valid for `ttlSeconds` from issue whatever the job's state and creator. Tokens of versions
 *   before job tokens existed have this form.
 *
 * `verify` needs no lookup (the bridge refuses forged tokens before anything is published);
 * `admit` completes it once the job is loaded (creator and life).
 */
export class JobTokens {
  readonly #secret: string;
  readonly #ttlSeconds: number;
  readonly #graceSeconds: number;

  /** `secret` signs every token; `ttlSeconds` is the lifetime of operator tokens (72 h), `graceSeconds` how long a job token outlives its job (24 h). */
  constructor(secret: string, ttlSeconds = 72 * 3600, graceSeconds = 24 * 3600) {
    if (secret.length < 16) throw new RangeError('the token secret must be at least 16 characters');
    this.#secret = secret;
    this.#ttlSeconds = ttlSeconds;
    this.#graceSeconds = graceSeconds;
  }

  /** The token of job `uuid` as created by `creator` (a credential identity, see `JobDocument.creator`); always the same for both. */
  forJob(uuid: string, creator: string): string {
    const stamp = `j${this.#tag(creator)}`;
    return `${stamp}.${this.#sign(`job:${uuid}.${stamp}`)}`;
  }

  /** An operator token for job `uuid`, valid from `now` for the configured lifetime. */
  issue(uuid: string, now: Date): string {
    const stamp = (Math.floor(now.getTime() / 1000) + this.#ttlSeconds).toString(36);
    return `${stamp}.${this.#sign(`${uuid}.${stamp}`)}`;
  }

  /**
   * The checks that need no job: throws `token_missing`, `token_invalid` (malformed, another job,
   * another secret, altered) or `token_expired` (an operator token past its lifetime).
   */
  verify(uuid: string, token: string | undefined, now: Date): VerifiedToken {
    if (token === undefined || token === '')
      throw new PipelineJobsError('token_missing', `a token is required for job ${uuid}`, { uuid });
    const [stamp, signature, extra] = token.split('.');
    // Built only when needed: capturing a stack trace on every good token costs the hot path.
    const invalid = () => new PipelineJobsError('token_invalid', `the token is not valid for job ${uuid}`, { uuid });
    if (stamp === undefined || signature === undefined || extra !== undefined) throw invalid();
    const job = JOB_STAMP.test(stamp);
    if (!job && !OPERATOR_STAMP.test(stamp)) throw invalid();
    const expected = Buffer.from(this.#sign(job ? `job:${uuid}.${stamp}` : `${uuid}.${stamp}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    if (job) return { kind: 'job', creatorTag: stamp.slice(1) };
    const expiresAt = new Date(parseInt(stamp, 36) * 1000);
    if (expiresAt.getTime() <= now.getTime()) {
      throw new PipelineJobsError('token_expired', `the token for job ${uuid} expired`, {
        uuid,
        expiredAt: expiresAt.toISOString(),
      });
    }
    return { kind: 'operator', expiresAt };
  }

  /**
   * The checks that need the job: a job token must be bound to the job's creator (`token_invalid`)
   * and the job live, or ended less than the grace period ago (`token_expired`).
   */
  admit(verified: VerifiedToken, job: JobDocument, now: Date): void {
    if (verified.kind === 'operator') return;
    if (!this.boundTo(verified, job.creator ?? '')) {
      throw new PipelineJobsError('token_invalid', `the token is not valid for job ${job.uuid}`, { uuid: job.uuid });
    }
    if (LIVE.has(job.state)) return;
    const expiresAt = Date.parse(job.updated) + this.#graceSeconds * 1000;
    if (expiresAt <= now.getTime()) {
      throw new PipelineJobsError(
        'token_expired',
        `the token for job ${job.uuid} expired: the job ended (${job.state})`,
        {
          uuid: job.uuid,
          expiredAt: new Date(expiresAt).toISOString(),
        },
      );
    }
  }

  /** {@link verify}, then {@link admit} when the job is at hand; returns what verified. */
  check(uuid: string, token: string | undefined, now: Date, job?: JobDocument): VerifiedToken {
    const verified = this.verify(uuid, token, now);
    if (job !== undefined) this.admit(verified, job, now);
    return verified;
  }

  /** Whether `verified` is a job token bound to `creator`. */
  boundTo(verified: VerifiedToken, creator: string): boolean {
    return verified.kind === 'job' && verified.creatorTag === this.#tag(creator);
  }

  /** 40 bits of an HMAC of the creator: unforgeable without the secret, short enough for the stamp. */
  #tag(creator: string): string {
    const digest = createHmac('sha256', this.#secret).update(`creator:${creator}`).digest();
    return digest.readUIntBE(0, 5).toString(36).padStart(8, '0');
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#secret).update(text).digest('base64url');
  }
}
