import t from 'tap';
import { deadLetterForm, deadLetterSubject, replayForm } from '../../../model/dead-letter-form.js';
import { eventIdOf } from '../../../model/event-identity.js';
import { JobTokens } from '../../../model/job-tokens.js';

const uuid = '0b9d4a3e-2f61-5c44-9a0e-8c2f1d6b7a10';
const token = new JobTokens('0123456789abcdef-secret').issue(uuid, new Date('2026-03-01T00:00:00Z'));
const limits = { maxBytes: 4096 };

t.test('a JSON event loses its token and keeps everything else, hostile keys included', (t) => {
  const body = Buffer.from(
    `{"uuid":"${uuid}","name":"run","token":"${token}",` +
      '"data":{"token":"user data","a.b":1},"__proto__":{"polluted":true}}',
  );
  const stored = deadLetterForm(body, { ...limits, eventId: 'e-derived' });
  const parsed = JSON.parse(stored.toString()) as Record<string, unknown>;
  t.notOk(stored.toString().includes(token), 'no token');
  t.same(
    Object.keys(parsed),
    ['id', 'uuid', 'name', 'data', '__proto__'],
    'the derived id first, then the message without its token',
  );
  t.equal(parsed['id'], 'e-derived', 'the id the manager derived from the original bytes');
  t.same(parsed['data'], { token: 'user data', 'a.b': 1 }, 'data is user data, kept as sent');
  t.same(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, { polluted: true }, '__proto__ stays a key');
  t.end();
});

t.test('an event with its own id keeps it; one without a token keeps its bytes', (t) => {
  const withId = deadLetterForm(Buffer.from(`{"id":"mine","token":"${token}"}`), { ...limits, eventId: 'derived' });
  t.same(JSON.parse(withId.toString()), { id: 'mine' });
  const plain = Buffer.from('{ "name": "run",  "uuid": "x" }');
  t.equal(
    deadLetterForm(plain, { ...limits, eventId: 'derived' }),
    plain,
    'the same buffer: nothing to strip, the derived id still matches',
  );
  t.end();
});

t.test('a body that is not a JSON object, or too large to parse, has its tokens blanked in place', (t) => {
  const broken = Buffer.from(`{"name":"run","token":"${token}","data": {`);
  t.equal(deadLetterForm(broken, limits).toString(), '{"name":"run","token":"","data": {');
  const odd = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(` uuid=${uuid}&token=${token}&x=1`)]);
  const stored = deadLetterForm(odd, limits);
  t.same([...stored.subarray(0, 2)], [0xff, 0xfe], 'bytes that are not UTF-8 are kept');
  t.equal(stored.subarray(2).toString(), ` uuid=${uuid}&token=[redacted]&x=1`);
  const large = Buffer.from(JSON.stringify({ name: 'update', token, data: { blob: 'x'.repeat(5000) } }));
  t.notOk(deadLetterForm(large, limits).toString().includes(token), 'not parsed past the size limit, still blanked');
  t.same(
    JSON.parse(deadLetterForm(Buffer.from(`[{"token":"${token}"}]`), limits).toString()),
    [{ token: '' }],
    'an array is not an event: blanked, not parsed',
  );
  t.end();
});

t.test('a replay sends the same event: the derived id written in, a fresh token for its job', (t) => {
  const operator = (forUuid: string): string => `op-token-for-${forUuid}`;
  // Stored without an id (it had no token): its id was derived from these very bytes.
  const plain = Buffer.from(`{ "name": "run",  "uuid": "${uuid}", "data": {"a.b": 1} }`);
  const derived = eventIdOf({}, { body: plain });
  const replayed = JSON.parse(replayForm(plain, { tokenFor: operator }).toString()) as Record<string, unknown>;
  t.same(replayed, { id: derived, name: 'run', uuid, data: { 'a.b': 1 }, token: operator(uuid) });
  t.same(deadLetterSubject(plain), { eventId: derived, uuid, event: 'run' }, 'listed with the same event id');

  const messageId = 'b9d4a3e0-2f61-4c44-9a0e-8c2f1d6b7a10';
  t.equal(
    (JSON.parse(replayForm(plain, { messageId, tokenFor: operator }).toString()) as Record<string, unknown>)['id'],
    messageId,
    'a uuid message id is the event id, as the manager has it',
  );
  const own = Buffer.from(`{"id":"mine","uuid":"${uuid.toUpperCase()}","name":"finish","__proto__":{"x":1}}`);
  const ownReplay = JSON.parse(replayForm(own, { tokenFor: operator }).toString()) as Record<string, unknown>;
  t.equal(ownReplay['id'], 'mine', 'its own id kept');
  t.same(Object.getOwnPropertyDescriptor(ownReplay, '__proto__')?.value, { x: 1 }, '__proto__ stays a key');
  t.equal(deadLetterSubject(own).uuid, uuid, 'the job uuid in lower case');

  for (const body of [
    Buffer.from('{"name":"create","pipeline":"p","data":{}}'),
    Buffer.from('{"name": "run", "uuid": '),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('[1]'),
  ])
    t.equal(replayForm(body, { tokenFor: operator }), body, `sent byte for byte: ${body.toString('latin1')}`);
  t.same(deadLetterSubject(Buffer.from('[1]')), {}, 'nothing to list for a body that is not an event');
  t.end();
});
