import t from 'tap';
import { jobUuid } from '../../../model/job-identity.js';
import { buildNewJob, newUlid, ulidTime } from '../../../model/new-job.js';

t.test('a create that names its ulid is named by the ulid alone', async (t) => {
  const now = new Date('2026-01-10T12:00:00.000Z');
  const [a, b] = [newUlid(now), newUlid(now)];
  t.ok(a !== undefined && b !== undefined && a < b, 'ulids made at one instant still sort by making');
  t.equal(ulidTime(a), now.getTime());
  const data = { action: 'expose' };
  t.not(jobUuid('photonranch', data, a), jobUuid('photonranch', data, b), 'identical data, two jobs');
  t.equal(jobUuid('photonranch', data, a), jobUuid('other', { x: 1 }, a), 'the same ulid, the same job');
  t.equal(jobUuid('photonranch', data), jobUuid('photonranch', { action: 'expose' }), 'without: pipeline + data');
  t.not(jobUuid('photonranch', data), jobUuid('photonranch', data, a));
  const { job, entry } = buildNewJob({ pipeline: 'photonranch', data, ulid: a }, { now, source: 'test' });
  t.match(job, { ulid: a, uuid: jobUuid('photonranch', data, a) });
  t.equal(entry.state, 'CREATED');
  t.not(buildNewJob({ pipeline: 'p', data }, { now, source: 'test' }).job.ulid, a, 'else a fresh one');
});
