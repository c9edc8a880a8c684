import { createHmac, timingSafeEqual } from 'node:crypto';
import { PipelineJobsError } from '../errors/index.js';

/**
 * Per-job tokens: `<expiry in seconds, base 36>.<HMAC-SHA256(secret, uuid "." expiry), base64url>`.
 * Stateless to verify (no lookup), bound to one job, and expiring; compared in constant time.
 */
export class JobTokens {
  readonly #secret: string;
  readonly #ttlSeconds: number;

  /** `secret` signs every token; `ttlSeconds` is their lifetime (default 72 h). */
  constructor(secret: string, ttlSeconds = 72 * 3600) {
    if (secret.length < 16) throw new RangeError('the token secret must be at least 16 characters');
    this.#secret = secret;
    this.#ttlSeconds = ttlSeconds;
  }

  /** A token for job `uuid`, valid from `now` for the configured lifetime. */
  issue(uuid: string, now: Date): string {
    const expiry = Math.floor(now.getTime() / 1000) + this.#ttlSeconds;
    const stamp = expiry.toString(36);
    return `${stamp}.${this.#sign(uuid, stamp)}`;
  }

  /** Throws `token_missing`, `token_invalid` or `token_expired` unless `token` is good for `uuid` at `now`. */
  verify(uuid: string, token: string | undefined, now: Date): void {
    if (token === undefined || token === '') throw new PipelineJobsError('token_missing', `a token is required for job ${uuid}`, { uuid });
    const [stamp, signature, extra] = token.split('.');
    // Built only when needed: capturing a stack trace on every good token costs the hot path.
    const invalid = () => new PipelineJobsError('token_invalid', `the token is not valid for job ${uuid}`, { uuid });
    if (stamp === undefined || signature === undefined || extra !== undefined || !/^[0-9a-z]{1,12}$/.test(stamp)) throw invalid();
    const expected = Buffer.from(this.#sign(uuid, stamp));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    const expiresAt = parseInt(stamp, 36) * 1000;
    if (expiresAt <= now.getTime()) {
      throw new PipelineJobsError('token_expired', `the token for job ${uuid} expired`, { uuid, expiredAt: new Date(expiresAt).toISOString() });
    }
  }

  #sign(uuid: string, stamp: string): string {
    return createHmac('sha256', this.#secret).update(`${uuid}.${stamp}`).digest('base64url');
  }
}
