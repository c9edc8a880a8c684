import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { startHttpRig } from '../../../helpers/http-rig.js';
import { createJob, send } from '../../../helpers/jobs.js';

async function setup(t: Test) {
  const rig = await startHttpRig();
  t.teardown(() => rig.close());
  return rig;
}

t.test('GET /jobs/:uuid and /history: where the job is and how it got there', async (t) => {
  const { app, store } = await setup(t);
  const job = await createJob(store, { pipeline: 'q', data: { $where: 'x', 'a.b': 1 } });
  await send(store, job.uuid, 'run', { host: 'n1' });
  const got = await app.inject({ url: `/jobs/${job.uuid.toUpperCase()}` });
  t.equal(got.statusCode, 200);
  t.match(got.json(), { uuid: job.uuid, state: 'RUNNING', version: 2, data: { $where: 'x', 'a.b': 1 } });
  const history = await app.inject({ url: `/jobs/${job.uuid}/history` });
  t.match(history.json(), {
    uuid: job.uuid,
    state: 'RUNNING',
    history: [
      { name: 'create', version: 1 },
      { name: 'run', version: 2, data: { host: 'n1' } },
    ],
  });
  const missing = await app.inject({ url: `/jobs/${randomUUID()}` });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { error: { code: 'unknown_job', message: /no job/ } });
  t.match((await app.inject({ url: `/jobs/${randomUUID()}/history` })).json(), { error: { code: 'unknown_job' } });
  const bad = await app.inject({ url: '/jobs/not-a-uuid' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { error: { code: 'schema_violation' } });
});

t.test('GET /jobs filters and pages through every job exactly once', async (t) => {
  const { app, store } = await setup(t);
  const base = Date.parse('2025-01-01T00:00:00.000Z');
  const made: string[] = [];
  for (let i = 0; i < 250; i++)
    made.push(
      (await createJob(store, { pipeline: i % 5 === 0 ? 'five' : 'other', site: 'ogg' }, new Date(base + i * 1000)))
        .uuid,
    );
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await app.inject({ url: `/jobs?limit=40${cursor === undefined ? '' : `&cursor=${cursor}`}` });
    t.equal(page.statusCode, 200);
    const body = page.json<{ jobs: Array<{ uuid: string }>; nextCursor?: string }>();
    seen.push(...body.jobs.map((j) => j.uuid));
    cursor = body.nextCursor;
  } while (cursor !== undefined);
  t.same(seen, [...made].reverse(), 'all 250, newest first, none twice');
  t.equal((await app.inject({ url: '/jobs?pipeline=five&limit=1000' })).json<{ jobs: unknown[] }>().jobs.length, 50);
  t.equal(
    (await app.inject({ url: '/jobs?state=CREATED,RUNNING&limit=1000' })).json<{ jobs: unknown[] }>().jobs.length,
    250,
  );
  t.equal((await app.inject({ url: '/jobs?state=FAILED' })).json<{ jobs: unknown[] }>().jobs.length, 0);
  const since = encodeURIComponent('2025-01-01T02:03:00+02:00');
  t.equal(
    (await app.inject({ url: `/jobs?since=${since}&limit=1000` })).json<{ jobs: unknown[] }>().jobs.length,
    70,
    'offset dates are compared in UTC',
  );
  for (const query of ['state=DONE', 'limit=0', 'limit=5000', 'cursor=nope', 'since=yesterday', 'bogus=1']) {
    const refused = await app.inject({ url: `/jobs?${query}` });
    t.equal(refused.statusCode, 400, query);
    t.match(refused.json(), { error: { code: 'schema_violation' } }, query);
  }
});

t.test('health, readiness, metrics and unknown routes', async (t) => {
  const { app, bus } = await setup(t);
  t.same((await app.inject({ url: '/healthz' })).json(), { status: 'ok' });
  const ready = await app.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready', bus: 'ok', store: 'ok' });
  const metrics = await app.inject({ url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.headers['content-type'], /text\/plain/);
  const nowhere = await app.inject({ url: '/nowhere?token=secret' });
  t.equal(nowhere.statusCode, 404);
  t.same(nowhere.json(), {
    error: { code: 'not_found', message: 'no route GET /nowhere', details: { method: 'GET', url: '/nowhere' } },
  });
  await bus.close();
  const down = await app.inject({ url: '/readyz' });
  t.equal(down.statusCode, 503);
  t.match(down.json(), { status: 'unavailable', bus: 'down' });
});
