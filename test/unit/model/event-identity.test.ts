import t from 'tap';
import { eventIdOf } from '../../../model/event-identity.js';
import type { EventMessage } from '../../../schemas/types.js';

const message: EventMessage = { name: 'run', uuid: '0b9d4a3e-2f61-5c44-9a0e-8c2f1d6b7a10' };

t.test('the event id is stable across redeliveries', (t) => {
  const body = Buffer.from(JSON.stringify(message));
  t.equal(
    eventIdOf({ ...message, id: 'AAAAAAAA-2F61-4C44-9A0E-8C2F1D6B7A10' }, { body }),
    'aaaaaaaa-2f61-4c44-9a0e-8c2f1d6b7a10',
    "the event's own id, lower-cased",
  );
  t.equal(
    eventIdOf(message, { body, messageId: 'B9D4A3E0-2F61-4C44-9A0E-8C2F1D6B7A10' }),
    'b9d4a3e0-2f61-4c44-9a0e-8c2f1d6b7a10',
    'else a uuid message id',
  );
  const derived = eventIdOf(message, { body, messageId: 'not-a-uuid' });
  t.match(derived, /^[0-9a-f-]{36}$/);
  t.equal(
    eventIdOf(message, { body: Buffer.from(body) }),
    derived,
    'else derived from the body bytes: the same on redelivery',
  );
  t.not(eventIdOf(message, { body: Buffer.from(`${body.toString()} `) }), derived, 'other bytes, other id');
  t.end();
});
