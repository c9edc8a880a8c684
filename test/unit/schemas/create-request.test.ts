import t from 'tap';
import { parseCreateRequest } from '../../../schemas/index.js';

t.test('valid requests', (t) => {
  t.same(
    parseCreateRequest('{"pipeline":"fcs-etl-0.3.6u12"}'),
    { pipeline: 'fcs-etl-0.3.6u12', data: {} },
    'data defaults to {}',
  );
  const full = {
    pipeline: 'ap',
    data: { visit: 42 },
    owner: 'sd2eadm',
    site: 'saf',
    archivePath: '/products/ap/42',
    detail: { note: 'x' },
  };
  t.same(parseCreateRequest(JSON.stringify(full)), full);
  const a = parseCreateRequest({ pipeline: 'p' });
  const b = parseCreateRequest({ pipeline: 'p' });
  t.not(a.data, b.data, 'each default is a fresh object');
  t.end();
});

t.test('bad requests name the field', (t) => {
  const cases: [unknown, string][] = [
    [{}, 'request.pipeline is required'],
    [{ pipeline: '' }, 'request.pipeline must NOT have fewer than 1 characters'],
    [{ pipeline: 'x'.repeat(129) }, 'request.pipeline must NOT have more than 128 characters'],
    [{ pipeline: 'a b' }, 'request.pipeline must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"'],
    [{ pipeline: '.hidden' }, 'request.pipeline must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"'],
    [{ pipeline: 'a.#' }, 'request.pipeline must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"'],
    [{ pipeline: 'p', data: [] }, 'request.data must be object'],
    [{ pipeline: 'p', owner: 3 }, 'request.owner must be string'],
    [{ pipeline: 'p', archivePath: '' }, 'request.archivePath must NOT have fewer than 1 characters'],
    [{ pipeline: 'p', uuid: 'x' }, 'request.uuid is not an allowed property'],
  ];
  for (const [input, message] of cases) {
    t.throws(() => parseCreateRequest(input), { code: 'schema_violation', message }, message);
  }
  t.end();
});
