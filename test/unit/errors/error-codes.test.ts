import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERROR_CODES, PipelineJobsError, isPipelineJobsError, type ErrorCode } from '../../../errors/index.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
// A documented code is a table row whose first cell is the code in backticks.
const documented = [...doc.matchAll(/^\|\s*`([a-z0-9_]+)`\s*\|/gm)].map((m) => m[1]);
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

t.test('every error code is documented in docs/errors.md', (t) => {
  t.ok(codes.length > 0);
  for (const code of codes) {
    t.ok(documented.includes(code), `${code} has a row in docs/errors.md`);
    t.match(ERROR_CODES[code], /\S/, `${code} has a one-line meaning`);
    t.match(code, /^[a-z][a-z0-9_]*$/, `${code} is snake_case`);
  }
  t.end();
});

t.test('docs/errors.md documents no code that does not exist, and each once', (t) => {
  for (const code of documented)
    t.ok(code !== undefined && Object.hasOwn(ERROR_CODES, code), `${String(code)} exists in ERROR_CODES`);
  t.equal(new Set(documented).size, documented.length, 'no duplicate rows');
  t.end();
});

t.test('each documented row states an HTTP status', (t) => {
  for (const code of codes) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\``)) ?? '';
    t.match(row, /^\|[^|]+\|\s*(\d{3}|n\/a[^|]*)\s*\|/, `${code} row has an HTTP column`);
  }
  t.end();
});

t.test('PipelineJobsError carries the code, details and cause', (t) => {
  const cause = new Error('root');
  const err = new PipelineJobsError('schema_violation', 'event.data must be object', { field: 'data' }, { cause });
  t.ok(isPipelineJobsError(err));
  t.ok(isPipelineJobsError(err, 'schema_violation'));
  t.notOk(isPipelineJobsError(err, 'unknown_event'));
  t.equal(err.cause, cause);
  t.same(err.toJSON(), { code: 'schema_violation', message: 'event.data must be object', details: { field: 'data' } });
  t.end();
});
