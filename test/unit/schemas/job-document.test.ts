import t from 'tap';
import { JOB_DOCUMENT_LIMITS, validateJobDocument } from '../../../schemas/index.js';
import type { HistoryEntry, JobDocument } from '../../../model/job.js';

const UUID = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const ID = '0190b5c2-7c3e-7d2a-9f4b-2c1a5e6f7a8b';
const AT = '2024-05-01T12:00:00.000Z';

function job(): JobDocument {
  return {
    uuid: UUID,
    ulid: '01HWZ3NDEKTSV4RRFFQ69G5FAV',
    pipeline: 'fcs-etl-0.3.6u12',
    state: 'RUNNING',
    version: 2,
    data: { sample: 's1' },
    created: AT,
    updated: '2024-05-01T12:05:00.000+02:00',
    lastEvent: 'run',
    owner: 'sd2eadm',
    site: 'saf',
    archivePath: '/archive/x',
    claim: { by: 'poller-1', until: AT },
    detail: { status: 'EXPOSING', secondsUntilComplete: 30 },
    history: [
      { id: ID, name: 'create', date: AT, data: { sample: 's1' }, source: 'http', state: 'CREATED', version: 1 },
      { id: UUID, name: 'run', date: AT, data: {}, source: 'agave', state: 'RUNNING', version: 2 },
    ],
  };
}

function entry(index: number): HistoryEntry {
  const found = job().history?.[index];
  if (found === undefined) throw new Error(`no history entry ${index}`);
  return found;
}

t.test('a complete job document validates; optional fields may be absent', (t) => {
  const doc = job();
  t.equal(validateJobDocument(doc), doc);
  const minimal: Partial<JobDocument> = job();
  delete minimal.owner;
  delete minimal.site;
  delete minimal.archivePath;
  delete minimal.claim;
  delete minimal.detail;
  t.doesNotThrow(() => validateJobDocument(minimal));
  t.doesNotThrow(() => validateJobDocument({ ...job(), history: [] }));
  const withoutHistory: Partial<JobDocument> = job();
  delete withoutHistory.history;
  t.doesNotThrow(() => validateJobDocument(withoutHistory), 'stores return jobs without history');
  t.doesNotThrow(() => validateJobDocument({ ...job(), history: [{ ...entry(0), data: null }] }), 'history data may be null');
  t.end();
});

t.test('violations name the field, down into history', (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ state: 'DONE' }, 'job.state must be one of: CREATED, RUNNING, FAILED, FINISHED, INDEXING, VALIDATING, VALIDATED, REJECTED, FINALIZED, RETIRED, RESET, CANCELLED'],
    [{ version: 0 }, 'job.version must be >= 1'],
    [{ version: 1.5 }, 'job.version must be integer'],
    [{ ulid: 'lowercase-not-a-ulid-00000' }, 'job.ulid must match pattern'],
    [{ created: '2024-05-01' }, 'job.created must match format "date-time"'],
    [{ lastEvent: 'walk' }, 'job.lastEvent must be one of: create, run'],
    [{ claim: { by: 'x' } }, 'job.claim.until is required'],
    [{ _id: 'mongo' }, 'job._id is not an allowed property'],
    [{ history: [{ ...entry(0), date: 'yesterday' }] }, 'job.history[0].date must match format "date-time"'],
    [{ history: [entry(0), { ...entry(1), state: undefined }] }, 'job.history[1].state is required'],
    [{ history: [{ ...entry(0), extra: 1 }] }, 'job.history[0].extra is not an allowed property'],
  ];
  for (const [patch, message] of cases) {
    const doc = JSON.parse(JSON.stringify({ ...job(), ...patch })) as unknown;
    t.throws(() => validateJobDocument(doc), { code: 'schema_violation', message: new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }, message);
  }
  const missing: Partial<JobDocument> = job();
  delete missing.uuid;
  t.throws(() => validateJobDocument(missing), { message: 'job.uuid is required', details: { field: 'uuid' } });
  t.throws(() => validateJobDocument({ ...job(), history: [{ ...entry(0), data: 'x' }] }), { message: 'job.history[0].data must be object,null' });
  t.end();
});

t.test('job documents have their own, larger limits', (t) => {
  t.same(JOB_DOCUMENT_LIMITS, { maxBytes: 16 * 1024 * 1024, maxDepth: 64, maxKeys: 1_000_000 });
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 30; i++) deep = { a: deep };
  const doc = { ...job(), history: [entry(0), { ...entry(1), data: deep }] };
  t.doesNotThrow(() => validateJobDocument(doc), 'event data at the event depth limit fits in a job document');
  t.throws(() => validateJobDocument(doc, { maxDepth: 32 }), { code: 'too_deep' });
  t.end();
});
