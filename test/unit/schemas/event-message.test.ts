import t from 'tap';
import { isPipelineJobsError } from '../../../errors/index.js';
import { parseEventMessage } from '../../../schemas/index.js';

const UUID = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const ID = '0190b5c2-7c3e-7d2a-9f4b-2c1a5e6f7a8b';

t.test('valid events parse to the same object', (t) => {
  const run = {
    id: ID,
    uuid: UUID,
    name: 'run',
    data: { step: 1 },
    token: 'abc',
    source: 'amqp',
    detail: { status: 'EXPOSING' },
  };
  t.equal(parseEventMessage(run), run, 'object input is returned as is, not copied');
  t.same(parseEventMessage(JSON.stringify(run)), run);
  t.same(parseEventMessage(Buffer.from(JSON.stringify(run))), run);
  t.same(parseEventMessage(new TextEncoder().encode(JSON.stringify(run))), run);
  t.same(parseEventMessage({ name: 'create', pipeline: 'fcs-etl-0.3.6u12', data: {} }), {
    name: 'create',
    pipeline: 'fcs-etl-0.3.6u12',
    data: {},
  });
  t.same(parseEventMessage({ name: 'finish', uuid: UUID.toUpperCase() }).name, 'finish', 'uuid of any case');
  t.same(
    parseEventMessage({ name: 'update', uuid: '10782a0e-f7e4-5b8f-9d2b-8c3f8a1e2b3c' }).name,
    'update',
    'SD2E typed uuid (version nibble 5, prefix 107)',
  );
  t.end();
});

t.test('every machine event name is accepted', (t) => {
  const names = [
    'create',
    'run',
    'update',
    'resource',
    'fail',
    'finish',
    'index',
    'indexed',
    'validate',
    'validated',
    'reject',
    'finalize',
    'retire',
    'reset',
    'ready',
    'cancel',
  ];
  for (const name of names) {
    t.doesNotThrow(() => parseEventMessage(name === 'create' ? { name, pipeline: 'p' } : { name, uuid: UUID }), name);
  }
  t.end();
});

t.test('conditional requirements name the missing field', (t) => {
  t.throws(() => parseEventMessage({ name: 'run' }), {
    code: 'schema_violation',
    message: 'event.uuid is required',
    details: { field: 'uuid', keyword: 'required' },
  });
  t.throws(() => parseEventMessage({ name: 'create' }), {
    code: 'schema_violation',
    message: 'event.pipeline is required',
    details: { field: 'pipeline' },
  });
  t.throws(() => parseEventMessage({ uuid: UUID }), { code: 'schema_violation', message: 'event.name is required' });
  t.end();
});

t.test('wrong types and formats name the field', (t) => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ name: 'run', uuid: UUID, data: 'x' }, 'event.data must be object', 'data'],
    [{ name: 'run', uuid: UUID, data: [] }, 'event.data must be object', 'data'],
    [{ name: 'run', uuid: 42 }, 'event.uuid must be string', 'uuid'],
    [{ name: 'run', uuid: 'urn:uuid:' + UUID }, 'event.uuid must match format "uuid"', 'uuid'],
    [{ name: 'run', uuid: UUID, id: 'not-a-uuid' }, 'event.id must match format "uuid"', 'id'],
    [{ name: 'run', uuid: UUID, token: '' }, 'event.token must NOT have fewer than 1 characters', 'token'],
    [{ name: 'run', uuid: UUID, detail: 3 }, 'event.detail must be object', 'detail'],
    [{ name: 'create', pipeline: 'a*b' }, 'event.pipeline must match pattern', 'pipeline'],
    [
      { name: 'create', pipeline: 'x'.repeat(129) },
      'event.pipeline must NOT have more than 128 characters',
      'pipeline',
    ],
    [{ name: 'run', uuid: UUID, source: 'amqp queue' }, 'event.source must match pattern', 'source'],
    [{ name: 7, uuid: UUID }, 'event.name must be string', 'name'],
  ];
  for (const [input, message, field] of cases) {
    t.throws(
      () => parseEventMessage(input),
      {
        code: 'schema_violation',
        message: new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
        details: { field },
      },
      message,
    );
  }
  t.end();
});

t.test('unknown properties are refused by name', (t) => {
  t.throws(() => parseEventMessage({ name: 'run', uuid: UUID, state: 'RUNNING' }), {
    code: 'schema_violation',
    message: 'event.state is not an allowed property',
    details: { field: 'state', keyword: 'additionalProperties', params: { additionalProperty: 'state' } },
  });
  t.throws(() => parseEventMessage({ name: 'run', uuid: UUID, 'a.b': 1 }), {
    message: 'event["a.b"] is not an allowed property',
  });
  t.end();
});

t.test('unknown_event when the name is the only problem', (t) => {
  t.throws(() => parseEventMessage({ name: 'finsh', uuid: UUID }), {
    code: 'unknown_event',
    message: /"finsh" is not a known event/,
    details: { field: 'name', name: 'finsh' },
  });
  t.throws(
    () => parseEventMessage({ name: 'creat', pipeline: 'p' }),
    { code: 'unknown_event' },
    'create-shaped message',
  );
  t.throws(() => parseEventMessage('{"name":"delete","uuid":"' + UUID + '"}'), {
    code: 'unknown_event',
    message: /expected one of: create, run/,
  });
  t.throws(
    () => parseEventMessage({ name: 'finsh', uuid: UUID, data: 1 }),
    { code: 'schema_violation' },
    'not the only problem',
  );
  const long = 'x'.repeat(10_000);
  try {
    parseEventMessage({ name: long, uuid: UUID });
    t.fail('should throw');
  } catch (err) {
    t.ok(isPipelineJobsError(err, 'unknown_event'));
    t.ok((err as Error).message.length < 400, 'a hostile name is clipped in the message');
  }
  t.end();
});

t.test('errors are PipelineJobsError with a JSON wire form', (t) => {
  try {
    parseEventMessage('{"name":"run"}');
    t.fail('should throw');
  } catch (err) {
    t.ok(isPipelineJobsError(err, 'schema_violation'));
    t.same(JSON.parse(JSON.stringify(err)), {
      code: 'schema_violation',
      message: 'event.uuid is required',
      details: { field: 'uuid', keyword: 'required', params: { missingProperty: 'uuid' } },
    });
  }
  t.end();
});

t.test('a message without a name reports the name first', (t) => {
  t.throws(() => parseEventMessage({}), { code: 'schema_violation', message: 'event.name is required' });
  t.throws(() => parseEventMessage({ pipeline: 'p' }), { code: 'schema_violation', message: 'event.name is required' });
  t.end();
});
