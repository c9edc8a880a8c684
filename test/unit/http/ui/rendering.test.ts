import t from 'tap';
import { encodeTime } from 'ulid';
import { JOB_STATES } from '../../../../fsm/index.js';
import type { HistoryEntry, JobDocument } from '../../../../model/job.js';
import { decodeCursor } from '../../../../model/list-cursor.js';
import { bulkConfirmBody, bulkForm } from '../../../../http/ui/bulk-pages.js';
import { BULK_MAX } from '../../../../http/ui/bulk-targets.js';
import { html, render, trusted } from '../../../../http/ui/html.js';
import { jobPage } from '../../../../http/ui/job-page.js';
import { jobsTable } from '../../../../http/ui/jobs-page.js';
import { JSON_SHOWN_CHARS, boundedJson } from '../../../../http/ui/json-view.js';
import { filterQuery, parseFilterString, parseFilters, toListQuery } from '../../../../http/ui/list-filters.js';
import { machineDiagram } from '../../../../http/ui/machine-diagram.js';
import { failureReason } from '../../../../http/ui/overview-data.js';

const HOSTILE = '"><img src=x onerror=alert(1)>';
const SCRIPT = '<script>alert(1)</script>';

function job(over: Partial<JobDocument> = {}): JobDocument {
  return {
    uuid: '0b8a7f5e-1c2d-5e3f-9a0b-1c2d3e4f5a6b',
    ulid: '01JABCDEFGHJKMNPQRSTVWXYZ0',
    pipeline: HOSTILE,
    state: 'RUNNING',
    version: 2,
    data: { note: SCRIPT },
    created: '2026-12-01T00:00:00.000Z',
    updated: '2026-12-01T00:01:00.000Z',
    lastEvent: 'run',
    owner: SCRIPT,
    ...over,
  };
}

const history: HistoryEntry[] = [
  {
    id: 'e1',
    name: 'create',
    date: '2026-12-01T00:00:00.000Z',
    data: null,
    source: 'http',
    state: 'CREATED',
    version: 1,
  },
  {
    id: 'e2',
    name: 'run',
    date: '2026-12-01T00:01:00.000Z',
    data: { x: SCRIPT },
    source: 'http',
    state: 'RUNNING',
    version: 2,
  },
];

t.test('html escapes every interpolated string, in text and in attributes', async (t) => {
  const out = render(html`<a title="${HOSTILE}">${SCRIPT}</a>`);
  t.notMatch(out, /<script>/);
  t.notMatch(out, /<img/);
  t.equal(
    out,
    '<a title="&#34;&#62;&#60;img src&#61;x onerror&#61;alert(1)&#62;">&#60;script&#62;alert(1)&#60;/script&#62;</a>',
  );
});

t.test('markup made by html nests unescaped; lists of strings are escaped item by item', async (t) => {
  const inner = html`<b>${'<i>'}</b>`;
  t.equal(
    render(html`<p>${inner}${[SCRIPT, inner]}</p>`),
    '<p><b>&#60;i&#62;</b>&#60;script&#62;alert(1)&#60;/script&#62;<b>&#60;i&#62;</b></p>',
  );
  t.equal(render(html`<p>${trusted('<br>')}</p>`), '<p><br></p>');
});

t.test('the raw form of ghtml is refused', async (t) => {
  t.throws(() => html`<p>!${'x'}</p>`, /not allowed/);
});

t.test('a job page with hostile content holds no live markup of it, and hides the token', async (t) => {
  const out = render(
    jobPage(
      { job: job({ phase: HOSTILE }), history, viewer: { kind: 'reader' }, base: 'http://h' },
      new Date('2026-12-01T00:02:00Z'),
    ),
  );
  t.notMatch(out, /<script>|<img/);
  t.match(out, 'TOKEN-HIDDEN');
  t.match(out, '<dt>Phase</dt>', 'the phase is one of the facts');
  t.notMatch(out, /action="\/ui\/jobs\/[^"]*\/events"/, 'no actions for a reader');
});

t.test('an admin sees only the actions the machine allows, each with the CSRF token', async (t) => {
  const viewer = { kind: 'admin', session: 's', csrf: 'CSRF123' } as const;
  const running = render(jobPage({ job: job(), history, viewer, base: 'http://h' }, new Date()));
  t.same(
    [...running.matchAll(/name="event" value="(\w+)"/g)].map((m) => m[1]),
    ['reset'],
  );
  t.match(running, 'name="csrf" value="CSRF123"');
  const created = render(jobPage({ job: job({ state: 'CREATED' }), history, viewer, base: 'http://h' }, new Date()));
  t.same(
    [...created.matchAll(/name="event" value="(\w+)"/g)].map((m) => m[1]),
    ['cancel', 'reset'],
  );
  const failed = render(jobPage({ job: job({ state: 'FAILED' }), history, viewer, base: 'http://h' }, new Date()));
  t.same(
    [...failed.matchAll(/name="event" value="(\w+)"/g)].map((m) => m[1]),
    ['reset', 'retry'],
    'a failed job can be retried',
  );
});

t.test('a 200 KiB value is cut to a bounded view', async (t) => {
  const { text, cut } = boundedJson({ big: 'x'.repeat(200 * 1024) });
  t.equal(text.length, JSON_SHOWN_CHARS);
  t.equal(text.length + cut, JSON.stringify({ big: 'x'.repeat(200 * 1024) }, null, 2).length);
});

t.test('the list renders hostile pipeline names as text, and the next page keeps the filters', async (t) => {
  const filters = parseFilters({ pipeline: 'demux', state: ['FAILED', 'NOPE'], range: '24h' });
  const out = render(jobsTable({ jobs: [job()], nextCursor: 'abc' }, filters));
  t.notMatch(out, /<img/);
  t.match(out, 'href="/ui/jobs?pipeline&#61;demux&#38;range&#61;24h&#38;cursor&#61;abc&#38;state&#61;FAILED"');
  t.notMatch(out, '>stale<', 'a job that is not stale says nothing of it');
  const stale = job({ stale: { since: '2026-12-01T00:05:00.000Z', until: '2026-12-01T00:04:00.000Z' } });
  t.match(render(jobsTable({ jobs: [stale] }, filters)), '<span class="note">stale</span>', 'a stale job says so');
});

t.test('filters: bad values dropped, time ranges become store bounds', async (t) => {
  const now = new Date('2026-12-07T12:00:00Z');
  const f = parseFilters({ state: 'RUNNING,FAILED', since: '2026-12-01T10:00', until: 'yesterday', cursor: '$bad' });
  t.same(f.states, ['RUNNING', 'FAILED']);
  t.equal(f.until, undefined);
  t.equal(f.cursor, undefined);
  t.same(toListQuery(f, now), { limit: 50, state: ['RUNNING', 'FAILED'], createdSince: '2026-12-01T10:00:00.000Z' });
  t.equal(toListQuery(parseFilters({ range: '1h' }), now).createdSince, '2026-12-07T11:00:00.000Z');
  const until = toListQuery(parseFilters({ until: '2026-12-05T00:00' }), now);
  t.equal(until.createdUntil, '2026-12-05T00:00:00.000Z');
  t.equal(
    decodeCursor(until.cursor ?? ''),
    `${encodeTime(Date.parse('2026-12-05T00:00:00.001Z'), 10)}${'0'.repeat(16)}`,
  );
  t.equal(
    toListQuery(parseFilters({ until: '2026-12-05T00:00', cursor: 'abc' }), now).cursor,
    'abc',
    'a page cursor wins',
  );
  t.equal(filterQuery(parseFilters({ owner: 'a b' })), 'owner=a+b');
  const byPhase = parseFilters({ phase: 'pre_processing', state: 'RUNNING' });
  t.equal(toListQuery(byPhase, now).phase, 'pre_processing', 'the phase reaches the store query');
  t.equal(filterQuery(byPhase), 'phase=pre_processing&state=RUNNING');
  const stale = parseFilters({ stale: 'true', pipeline: 'ap' });
  t.equal(toListQuery(stale, now).stale, true, 'stale only reaches the store query');
  t.equal(filterQuery(stale), 'pipeline=ap&stale=true');
  t.equal(parseFilters({ stale: 'yes' }).stale, undefined, 'anything but true is no filter');
});

t.test('the machine diagram has every state, the current one and the path highlighted', async (t) => {
  const out = render(machineDiagram('FAILED', ['CREATED', 'RUNNING', 'RUNNING', 'FAILED']));
  for (const s of JOB_STATES) t.match(out, `data-state="${s}"`);
  t.match(out, 'class="node current" data-state="FAILED"');
  t.match(out, 'class="node visited" data-state="RUNNING"');
  t.equal([...out.matchAll(/class="edge taken"/g)].length, 2);
});

t.test('a failure reason comes from the failing event data, bounded', async (t) => {
  t.equal(failureReason({ error: 'OOM' }), 'OOM');
  t.equal(failureReason({ status: 'TIMEOUT', error: '' }), 'TIMEOUT');
  t.equal(failureReason({ error: { code: 'E42' } }), 'E42');
  t.equal(failureReason({ reason: 'x'.repeat(500) }).length, 120);
  t.equal(failureReason(null), '(no reason given)');
});

t.test('bulk pages: hostile filters stay text; the count, the refusal of too many, nothing to do', async (t) => {
  const admin = { kind: 'admin', csrf: 'c1' } as const;
  const filters = parseFilters({ pipeline: HOSTILE, state: ['CREATED', 'RUNNING'] });
  t.same(parseFilterString(filterQuery(filters)), filters, 'the hidden field round-trips the filters');
  t.equal(render(bulkForm(filters, { kind: 'reader' })), '', 'no bulk form for a reader');
  t.notMatch(render(bulkForm(filters, admin)), '<img');
  const batch = '6f1c2a7e-8d3b-4c5a-9e0f-1a2b3c4d5e6f';
  const some = render(
    bulkConfirmBody(filters, 'cancel', { states: ['CREATED'], uuids: ['a', 'b'], tooMany: false }, admin, batch),
  );
  t.match(some, 'Send cancel to 2 jobs?');
  t.match(some, 'name="csrf" value="c1"');
  t.notMatch(some, '<img');
  const many = render(
    bulkConfirmBody(filters, 'cancel', { states: ['CREATED'], uuids: [], tooMany: true }, admin, batch),
  );
  t.match(many, `More than ${BULK_MAX.toLocaleString('en')} jobs`);
  t.notMatch(many, '<form', 'no button to send too many');
  const none = render(bulkConfirmBody(filters, 'ready', { states: [], uuids: [], tooMany: false }, admin, batch));
  t.match(none, 'none of the selected states');
  t.notMatch(none, '<form');
});
