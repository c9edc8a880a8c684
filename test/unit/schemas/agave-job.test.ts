import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseAgaveJob } from '../../../schemas/index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/agave/${name}.json`, import.meta.url));

t.test('the real Agave v2 notification bodies validate', (t) => {
  for (const [name, status] of [
    ['running', 'RUNNING'],
    ['finished', 'FINISHED'],
  ] as const) {
    const body = fixture(name);
    const job = parseAgaveJob(body);
    t.equal(job.id, '6874237679603805720-242ac11b-0001-007', `${name}: Agave job id`);
    t.equal(job.status, status);
    t.same(job, JSON.parse(body.toString('utf8')), `${name}: every field kept, _links included`);
  }
  t.end();
});

t.test('status may be absent (it can come in the URL); id may not', (t) => {
  t.same(parseAgaveJob({ id: 'j-1' }), { id: 'j-1' });
  t.same(
    parseAgaveJob({ id: 'j-1', futureField: { x: 1 } }),
    { id: 'j-1', futureField: { x: 1 } },
    'unknown Agave fields are allowed',
  );
  t.throws(() => parseAgaveJob({ status: 'RUNNING' }), { code: 'schema_violation', message: 'agave.id is required' });
  t.throws(() => parseAgaveJob({ id: 1 }), { code: 'schema_violation', message: 'agave.id must be string' });
  t.throws(() => parseAgaveJob({ id: 'j', status: 3 }), {
    code: 'schema_violation',
    message: 'agave.status must be string',
  });
  t.throws(() => parseAgaveJob({ id: 'j', _links: 'x' }), {
    code: 'schema_violation',
    message: 'agave._links must be object',
  });
  t.throws(() => parseAgaveJob('[]'), { code: 'not_an_object' });
  t.end();
});
