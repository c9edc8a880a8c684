import t from 'tap';
import { DEFAULT_LIMITS, parseAgaveJob, parseCreateRequest, parseEventMessage } from '../../../schemas/index.js';

const UUID = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

function nested(depth: number): Record<string, unknown> {
  let inner: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) inner = { a: inner };
  return inner;
}

t.test('defaults', (t) => {
  t.same(DEFAULT_LIMITS, { maxBytes: 262144, maxDepth: 32, maxKeys: 10000 });
  t.ok(Object.isFrozen(DEFAULT_LIMITS));
  t.end();
});

t.test('every parser applies the same guards in the documented order', (t) => {
  const parsers = { parseEventMessage, parseCreateRequest, parseAgaveJob };
  for (const [name, parse] of Object.entries(parsers)) {
    t.test(name, (t) => {
      const huge = `{"x":"${'a'.repeat(300 * 1024)}"`;
      t.throws(
        () => parse(huge, { maxBytes: 262144 }),
        { code: 'payload_too_large', details: { limit: 262144, size: huge.length } },
        'size before syntax',
      );
      t.throws(() => parse('{"name":', {}), {
        code: 'malformed_json',
        message: /is not valid JSON/,
        details: { message: /JSON/ },
      });
      t.throws(() => parse(Buffer.from([0x7b, 0xff, 0x7d])), { code: 'malformed_json', message: /UTF-8/ });
      for (const [value, type] of [
        [[], 'array'],
        [null, 'null'],
        [42, 'number'],
        ['"s"', 'string'],
        ['[1]', 'array'],
        ['null', 'null'],
        [new Date(), 'object'],
        [undefined, 'undefined'],
      ] as const) {
        t.throws(() => parse(value), { code: 'not_an_object', details: { type } }, `${String(value)} is not an object`);
      }
      t.throws(() => parse(nested(40), { maxDepth: 32 }), { code: 'too_deep', details: { limit: 32 } });
      t.throws(() => parse(JSON.stringify(nested(40)), { maxDepth: 32 }), { code: 'too_deep' }, 'from text too');
      const wide = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
      t.throws(() => parse({ data: wide }, { maxKeys: 100 }), { code: 'too_many_keys', details: { limit: 100 } });
      t.end();
    });
  }
  t.end();
});

t.test('byte size, not string length, is measured', (t) => {
  const text = JSON.stringify({ name: 'run', uuid: UUID, data: { s: 'é'.repeat(600) } });
  t.ok(text.length < 1024);
  t.throws(() => parseEventMessage(text, { maxBytes: 1024 }), {
    code: 'payload_too_large',
    details: { limit: 1024, size: Buffer.byteLength(text) },
  });
  t.doesNotThrow(() => parseEventMessage(text, { maxBytes: 2048 }));
  t.end();
});

t.test('the default limits hold at their edges', (t) => {
  const deepest = { name: 'run', uuid: UUID, data: nested(31) };
  t.doesNotThrow(() => parseEventMessage(deepest), 'depth 32 is allowed');
  t.throws(
    () => parseEventMessage({ name: 'run', uuid: UUID, data: nested(32) }),
    { code: 'too_deep' },
    'depth 33 is not',
  );
  const keys = Object.fromEntries(Array.from({ length: 9_997 }, (_, i) => [`k${i}`, i]));
  t.doesNotThrow(() => parseEventMessage({ name: 'run', uuid: UUID, data: keys }), '10000 keys in all');
  t.throws(() => parseEventMessage({ name: 'run', uuid: UUID, data: { ...keys, one: 1 } }), { code: 'too_many_keys' });
  t.throws(() => parseEventMessage(`{"name":"run","uuid":"${UUID}","data":{"s":"${'a'.repeat(262144)}"}}`), {
    code: 'payload_too_large',
  });
  t.end();
});

t.test('limits are configurable per call', (t) => {
  const event = { name: 'run', uuid: UUID, data: nested(40) };
  t.doesNotThrow(() => parseEventMessage(event, { maxDepth: 64 }));
  t.doesNotThrow(() =>
    parseEventMessage(JSON.stringify({ name: 'run', uuid: UUID, data: { s: 'a'.repeat(300_000) } }), {
      maxBytes: 1_000_000,
    }),
  );
  t.throws(() => parseEventMessage({ name: 'run', uuid: UUID }, { maxKeys: 1 }), { code: 'too_many_keys' });
  t.throws(
    () => parseEventMessage({ name: 'run', uuid: UUID }, { maxDepth: 0 }),
    RangeError,
    'nonsense limits are a programming error',
  );
  t.end();
});

t.test('hostile nesting does not overflow the stack', (t) => {
  const text = '['.repeat(100_000) + ']'.repeat(100_000);
  t.throws(() => parseEventMessage(`{"data":${text}}`, { maxBytes: 1_000_000 }), { code: 'too_deep' });
  t.throws(
    () =>
      parseEventMessage(`{"name":"run","uuid":"${UUID}","data":${text}}`, { maxBytes: 1_000_000, maxDepth: 1_000_000 }),
    { code: 'schema_violation', message: 'event.data must be object' },
    'walked to the bottom without recursion',
  );
  const cyclic: Record<string, unknown> = { name: 'run', uuid: UUID };
  cyclic['data'] = cyclic;
  t.throws(() => parseEventMessage(cyclic), { code: 'too_deep' }, 'a cycle ends as too_deep');
  t.end();
});

t.test('arrays count towards depth, not keys', (t) => {
  t.doesNotThrow(() =>
    parseEventMessage({ name: 'run', uuid: UUID, data: { list: Array.from({ length: 20_000 }, (_, i) => i) } }),
  );
  t.throws(() => parseEventMessage({ name: 'run', uuid: UUID, data: { a: [[[[]]]] } }, { maxDepth: 5 }), {
    code: 'too_deep',
  });
  t.end();
});
