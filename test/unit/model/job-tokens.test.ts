import t from 'tap';
import { JobTokens } from '../../../model/job-tokens.js';

const uuid = '0b9d4a3e-2f61-5c44-9a0e-8c2f1d6b7a10';
const other = '6f1c2b3a-4d5e-5f60-8172-93a4b5c6d7e8';
const now = new Date('2026-03-01T00:00:00.000Z');

t.test('a token verifies for its job until it expires', (t) => {
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
  t.throws(() => tokens.verify(uuid, `${(parseInt(stamp ?? '0', 36) + 99999).toString(36)}.${signature}`, now), { code: 'token_invalid' }, 'extended expiry');
  t.throws(() => new JobTokens('another-secret-0123456').verify(uuid, token, now), { code: 'token_invalid' }, 'another secret');
  t.throws(() => new JobTokens('short'), RangeError);
  t.end();
});
