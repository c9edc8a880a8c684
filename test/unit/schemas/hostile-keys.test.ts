import t from 'tap';
import { parseCreateRequest, parseEventMessage } from '../../../schemas/index.js';

const UUID = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const HOSTILE =
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"$where":"sleep(1000)","a.b":{"$gt":""},"prototype":1,"toString":"x"}';

t.test('hostile keys inside data pass validation unchanged and pollute nothing', (t) => {
  const event = parseEventMessage(`{"name":"run","uuid":"${UUID}","data":${HOSTILE},"detail":${HOSTILE}}`);
  for (const field of ['data', 'detail'] as const) {
    const data = event[field] as Record<string, unknown>;
    t.same(
      Object.keys(data),
      ['__proto__', 'constructor', '$where', 'a.b', 'prototype', 'toString'],
      `${field} keeps every key, in order`,
    );
    t.ok(Object.hasOwn(data, '__proto__'), '__proto__ is an own data property');
    t.equal(Object.getPrototypeOf(data), Object.prototype, 'the prototype was not replaced');
    t.same(data['$where'], 'sleep(1000)');
    t.same(data['a.b'], { $gt: '' });
    t.equal(JSON.stringify(data), HOSTILE, `${field} round-trips byte for byte`);
  }
  t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype is clean');
  t.equal((Object.prototype as unknown as Record<string, unknown>)['polluted'], undefined);
  t.end();
});

t.test('the same holds for create requests (including the data default path)', (t) => {
  const request = parseCreateRequest(`{"pipeline":"p","data":${HOSTILE}}`);
  t.equal(JSON.stringify(request.data), HOSTILE);
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
  t.end();
});

t.test('a top-level __proto__ is an unknown property, not a prototype', (t) => {
  t.throws(() => parseEventMessage(`{"name":"run","uuid":"${UUID}","__proto__":{"name":"x"}}`), {
    code: 'schema_violation',
    message: 'event.__proto__ is not an allowed property',
  });
  t.end();
});

t.test('hostile keys in error messages are quoted and clipped', (t) => {
  const key = `a.${'b'.repeat(5000)}`;
  t.throws(() => parseEventMessage({ name: 'run', uuid: UUID, [key]: 1 }), {
    code: 'schema_violation',
    message: /^event\["a\.b+…"\] is not an allowed property$/,
  });
  t.end();
});
