import t from 'tap';
import { decodeManagerReply, isUnreadable, readManagerReply } from '../../../protocol/manager-reply.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

t.test('replies the manager sends are read back as they were sent', async (t) => {
  const applied = { outcome: 'applied', uuid: 'u', state: 'CREATED', version: 1, token: 'x.y', archivePath: '/a' };
  t.same(decodeManagerReply(json(applied)), applied);
  const refused = { outcome: 'rejected', error: { code: 'job_exists', message: 'no', details: { uuid: 'u' } } };
  t.same(decodeManagerReply(json(refused)), refused);
});

t.test('anything else says what is wrong with it', async (t) => {
  const problem = (content: Buffer): string | undefined => {
    const reply = decodeManagerReply(content);
    return isUnreadable(reply) ? reply.problem : undefined;
  };
  t.equal(problem(Buffer.from('{')), 'the manager reply is not JSON');
  t.equal(problem(json([1])), 'the manager reply is not an object');
  t.equal(problem(json({ outcome: 'maybe' })), 'the manager reply has no known outcome');
  t.equal(problem(json({ outcome: 'rejected', error: 'no' })), 'a refusal without an error code');
  t.equal(
    problem(json({ outcome: 'applied', uuid: 'u', state: 'CREATED' })),
    'the manager reply lacks the job uuid, state or version',
  );
  t.ok(isUnreadable(readManagerReply(null)));
});
