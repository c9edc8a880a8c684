import t from 'tap';
import { JobTokens } from '../../../model/job-tokens.js';
import type { JobDocument, JobState } from '../../../model/job.js';

const uuid = '0b9d4a3e-2f61-5c44-9a0e-8c2f1d6b7a10';
const other = '6f1c2b3a-4d5e-5f60-8172-93a4b5c6d7e8';
const now = new Date('2026-03-01T00:00:00.000Z');

t.test('an operator token verifies for its job until it expires', (t) => {
  const tokens = new JobTokens('0123456789abcdef-secret', 3600);
  const token = tokens.issue(uuid, now);
  t.doesNotThrow(() => tokens.verify(uuid, token, now));
  t.doesNotThrow(() => tokens.verify(uuid, token, new Date(now.getTime() + 3599_000)));
  t.throws(() => tokens.verify(uuid, token, new Date(now.getTime() + 3600_000)), { code: 'token_expired' });
  t.end();
});

t.test('missing, malformed, foreign and forged tokens are refused with their codes', (t) => {
  const tokens = new JobTokens('0123456789abcdef-secret');
  const token = tokens.issue(uuid, now);
  t.throws(() => tokens.verify(uuid, undefined, now), { code: 'token_missing' });
  t.throws(() => tokens.verify(uuid, '', now), { code: 'token_missing' });
  t.throws(() => tokens.verify(other, token, now), { code: 'token_invalid' }, 'another job');
  t.throws(() => tokens.verify(uuid, 'garbage', now), { code: 'token_invalid' });
  t.throws(() => tokens.verify(uuid, `${token}.x`, now), { code: 'token_invalid' });
  const [stamp, signature] = token.split('.');
  t.throws(
    () => tokens.verify(uuid, `${(parseInt(stamp ?? '0', 36) + 99999).toString(36)}.${signature}`, now),
    { code: 'token_invalid' },
    'extended expiry',
  );
  t.throws(
    () => new JobTokens('another-secret-0123456').verify(uuid, token, now),
    { code: 'token_invalid' },
    'another secret',
  );
  t.throws(() => new JobTokens('short'), RangeError);
  t.end();
});

const DAY = 24 * 3600 * 1000;

/** A job as the store returns it, in `state` since `updated`. */
function jobAt(state: JobState, updated: Date, creator?: string): JobDocument {
  const created = new Date(updated.getTime() - DAY).toISOString();
  return {
    uuid,
    ulid: '01J0000000000000000000000',
    pipeline: 'p',
    state,
    version: 2,
    data: {},
    created,
    updated: updated.toISOString(),
    lastEvent: 'run',
    ...(creator !== undefined && { creator }),
  };
}

t.test('a job token has no age: it works for as long as the job is live, whatever the queue wait and run time', (t) => {
  const tokens = new JobTokens('0123456789abcdef-secret', 3600, 24 * 3600);
  const token = tokens.forJob(uuid, 'nonce:n1');
  for (const state of ['CREATED', 'RUNNING', 'INDEXING', 'VALIDATING'] as const) {
    const later = new Date(now.getTime() + 40 * DAY);
    t.doesNotThrow(
      () => tokens.check(uuid, token, later, jobAt(state, now, 'nonce:n1')),
      `${state}, 40 days after its last event`,
    );
  }
  t.doesNotThrow(
    () => tokens.check(uuid, token, new Date(now.getTime() + 365 * DAY)),
    'without the job at hand only the signature is checked',
  );
  t.end();
});

t.test('once the job has ended, its token works for the grace period after its last event, then expires', (t) => {
  const tokens = new JobTokens('0123456789abcdef-secret', 3600, 24 * 3600);
  const token = tokens.forJob(uuid, 'nonce:n1');
  for (const state of [
    'FINISHED',
    'FAILED',
    'CANCELLED',
    'VALIDATED',
    'REJECTED',
    'FINALIZED',
    'RETIRED',
    'RESET',
  ] as const) {
    const job = jobAt(state, now, 'nonce:n1');
    t.doesNotThrow(
      () => tokens.check(uuid, token, new Date(now.getTime() + DAY - 1000), job),
      `${state}: within the grace`,
    );
    t.throws(
      () => tokens.check(uuid, token, new Date(now.getTime() + DAY), job),
      { code: 'token_expired', details: { uuid, expiredAt: new Date(now.getTime() + DAY).toISOString() } },
      `${state}: after it`,
    );
  }
  t.end();
});

t.test('a job token is bound to the credential that created the job', (t) => {
  const tokens = new JobTokens('0123456789abcdef-secret');
  const mine = tokens.forJob(uuid, 'nonce:n1');
  t.equal(tokens.forJob(uuid, 'nonce:n1'), mine, 'the same job and creator always give the same token');
  t.not(tokens.forJob(uuid, 'nonce:n2'), mine);
  t.throws(
    () => tokens.check(uuid, tokens.forJob(uuid, 'nonce:n2'), now, jobAt('RUNNING', now, 'nonce:n1')),
    { code: 'token_invalid' },
    'another creator’s token',
  );
  t.throws(
    () => tokens.check(uuid, mine, now, jobAt('RUNNING', now)),
    { code: 'token_invalid' },
    'a job of an earlier version has no recorded creator',
  );
  t.doesNotThrow(
    () => tokens.check(uuid, tokens.forJob(uuid, ''), now, jobAt('RUNNING', now)),
    '...and its token is the one bound to no creator',
  );
  t.throws(() => tokens.verify(other, mine, now), { code: 'token_invalid' }, 'another job');
  const [stamp, signature] = mine.split('.');
  t.throws(
    () =>
      tokens.verify(uuid, `${stamp?.slice(0, -1) ?? ''}${stamp?.endsWith('0') ? '1' : '0'}.${signature ?? ''}`, now),
    { code: 'token_invalid' },
    'a changed creator tag',
  );
  t.end();
});

t.test('an operator token (pjm token, or minted for an admin) expires with its own lifetime, whatever the job', (t) => {
  const tokens = new JobTokens('0123456789abcdef-secret', 3600, 60);
  const operator = tokens.issue(uuid, now);
  const ended = jobAt('FINISHED', new Date(now.getTime() - 30 * DAY), 'nonce:n1');
  t.doesNotThrow(
    () => tokens.check(uuid, operator, new Date(now.getTime() + 3599_000), ended),
    'long after the job ended, and not its creator',
  );
  t.throws(() => tokens.check(uuid, operator, new Date(now.getTime() + 3600_000), jobAt('RUNNING', now, 'nonce:n1')), {
    code: 'token_expired',
  });
  t.end();
});
