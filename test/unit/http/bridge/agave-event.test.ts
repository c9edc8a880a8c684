import { readFileSync } from 'node:fs';
import t from 'tap';
import { agaveEvent } from '../../../../http/bridge/agave-event.js';
import { BUILTIN_VOCABULARIES } from '../../../../registry/builtin-vocabularies.js';
import type { AgaveJob } from '../../../../schemas/index.js';

const fixture = (name: string): AgaveJob =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/agave/${name}.json`, import.meta.url), 'utf8')) as AgaveJob;
const running = fixture('running');
const finished = fixture('finished');

t.test('body status maps when the URL has none', (t) => {
  t.same(agaveEvent(undefined, running), { name: 'run', status: 'RUNNING', phase: 'RUNNING' });
  t.same(agaveEvent(undefined, finished), { name: 'finish', status: 'FINISHED', phase: 'FINISHED' });
  t.end();
});

t.test('URL status wins over the body, case-insensitively', (t) => {
  t.same(agaveEvent('finished', running), { name: 'finish', status: 'FINISHED', phase: 'FINISHED' });
  t.same(agaveEvent(' Failed ', running), { name: 'fail', status: 'FAILED', phase: 'FAILED' });
  t.end();
});

t.test('unexpanded macros and empty URL values fall back to the body', (t) => {
  for (const url of ['${STATUS}', '${JOB_STATUS}', '${ANYTHING}', '', '  ']) {
    t.same(agaveEvent(url, finished), { name: 'finish', status: 'FINISHED', phase: 'FINISHED' }, JSON.stringify(url));
  }
  t.equal(agaveEvent('${STATUS}', undefined), undefined);
  t.end();
});

t.test('the SD2E table, from the built-in agave vocabulary', (t) => {
  t.equal(BUILTIN_VOCABULARIES.get('agave')?.statuses.size, 23);
  t.equal(agaveEvent('QUEUED', undefined)?.name, 'resource');
  t.equal(agaveEvent('ARCHIVING_FINISHED', undefined)?.name, 'resource');
  t.equal(agaveEvent('KILLED', undefined)?.name, 'update');
  t.equal(agaveEvent('STOPPED', undefined)?.name, 'fail');
  t.equal(agaveEvent('ARCHIVING_FAILED', undefined)?.name, 'fail');
  t.equal(agaveEvent('UPDATED', undefined)?.name, 'update');
  t.end();
});

t.test('a job status becomes the phase; notification-only statuses leave it', (t) => {
  t.same(agaveEvent('queued', undefined), { name: 'resource', status: 'QUEUED', phase: 'QUEUED' });
  t.same(agaveEvent('ARCHIVING', undefined), { name: 'resource', status: 'ARCHIVING', phase: 'ARCHIVING' });
  for (const status of ['HEARTBEAT', 'UPDATED', 'PERMISSION_GRANT', 'CREATED', 'BLOCKED'])
    t.equal(agaveEvent(status, undefined)?.phase, undefined, status);
  t.end();
});

t.test('unknown statuses are updates; no status at all is undefined', (t) => {
  t.same(agaveEvent('BLOCKED', undefined), { name: 'update', status: 'BLOCKED' });
  t.equal(agaveEvent('toString', undefined)?.name, 'update');
  t.equal(agaveEvent(undefined, undefined), undefined);
  const noStatus: AgaveJob = { ...running };
  delete noStatus.status;
  t.equal(agaveEvent(undefined, noStatus), undefined);
  t.equal(agaveEvent('', { ...running, status: '' }), undefined);
  t.end();
});
