import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { startHttpRig, type HttpRig } from '../helpers/http-rig.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/agave/${name}`, import.meta.url), 'utf8');

interface CreateAnswer {
  uuid: string;
  token: string;
  archivePath: string;
  status: string;
  state?: string;
  callbacks: {
    events: string;
    agave: { url: string; notifications: Array<{ event: string; url: string }> };
    slurm: { url: string; sbatch: string[] };
  };
}

async function managed(t: Test): Promise<HttpRig> {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  return rig;
}

async function create(rig: HttpRig, data: Record<string, unknown> = { sample: Math.random() }): Promise<CreateAnswer> {
  const res = await rig.app.inject({ method: 'POST', url: '/jobs?wait=1', payload: { pipeline: 'agave-demo', data } });
  if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}: ${res.body}`);
  return res.json<CreateAnswer>();
}

/** The path and query of an absolute callback URL, for inject(). */
function local(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

t.test('POST /jobs answers uuid, token, archive path and callback URLs; again is a duplicate', async (t) => {
  const rig = await managed(t);
  const first = await rig.app.inject({
    method: 'POST',
    url: '/jobs?wait=1',
    headers: { host: 'bridge.example:8080' },
    payload: { pipeline: 'p1', data: { a: 1 } },
  });
  t.equal(first.statusCode, 201);
  const job = first.json<CreateAnswer>();
  t.match(job, { status: 'applied', state: 'CREATED', archivePath: `/products/v2/p1/${job.uuid.replaceAll('-', '')}` });
  t.ok(job.callbacks.agave.url.startsWith(`http://bridge.example:8080/callbacks/agave?uuid=${job.uuid}&token=`));
  t.same(
    job.callbacks.agave.notifications.map((n) => n.event),
    ['RUNNING', 'FINISHED', 'FAILED'],
  );
  t.match(job.callbacks.agave.notifications[0]?.url, /&status=\$\{JOB_STATUS\}$/);
  t.ok(job.callbacks.slurm.sbatch.some((o) => o.includes(job.uuid)));
  const again = await rig.app.inject({
    method: 'POST',
    url: '/jobs?wait=1',
    payload: { pipeline: 'p1', data: { a: 1 } },
  });
  t.equal(again.statusCode, 200);
  t.match(again.json(), { uuid: job.uuid, status: 'duplicate', state: 'CREATED' });
  const stored = await rig.store.get(job.uuid);
  t.match(stored, { state: 'CREATED', archivePath: job.archivePath });
  const quick = await rig.app.inject({ method: 'POST', url: '/jobs', payload: { pipeline: 'p1', data: { b: 2 } } });
  t.equal(quick.statusCode, 202, 'without wait: 202 once the bus holds the create');
  t.match(quick.json(), { status: 'accepted', eventId: /^[0-9a-f-]{36}$/ });
});

t.test('the two real Agave bodies, posted to the returned URLs, drive CREATED → RUNNING → FINISHED', async (t) => {
  const rig = await managed(t);
  const job = await create(rig);
  const [running, finished] = job.callbacks.agave.notifications;
  // Agave expands ${JOB_STATUS} for the RUNNING notification and posts the job JSON.
  const r1 = await rig.app.inject({
    method: 'POST',
    url: `${local(running!.url.replace('${JOB_STATUS}', 'RUNNING'))}&wait=1`,
    headers: { 'content-type': 'application/json' },
    payload: fixture('running.json'),
  });
  t.equal(r1.statusCode, 200, r1.body);
  t.match(r1.json(), { status: 'applied', state: 'RUNNING', version: 2 });
  const r2 = await rig.app.inject({
    method: 'POST',
    url: `${local(finished!.url)}&wait=1`,
    headers: { 'content-type': 'application/json' },
    payload: fixture('finished.json'),
  });
  t.match(r2.json(), { status: 'applied', state: 'FINISHED', version: 3 });
  const history = (await rig.app.inject({ url: `/jobs/${job.uuid}/history` })).json<{
    history: Array<{ name: string; source: string; data: unknown }>;
  }>();
  t.same(
    history.history.map((h) => h.name),
    ['create', 'run', 'finish'],
  );
  t.same(
    history.history[1]?.data,
    JSON.parse(fixture('running.json')),
    'the RUNNING body is the history data, unchanged',
  );
  t.same(history.history[2]?.data, JSON.parse(fixture('finished.json')), 'the FINISHED body too');
  t.same(
    history.history.slice(1).map((h) => h.source),
    ['agave', 'agave'],
  );
  const replay = await rig.app.inject({
    method: 'POST',
    url: `${local(finished!.url)}&wait=1`,
    payload: fixture('finished.json'),
    headers: { 'content-type': 'application/json' },
  });
  t.match(
    replay.json(),
    { status: 'duplicate', state: 'FINISHED', version: 3 },
    'Agave re-sending a notification is recognised',
  );
});

t.test('an unexpanded ${STATUS} macro falls back to the body status; event= overrides the mapping', async (t) => {
  const rig = await managed(t);
  const job = await create(rig);
  const literal = await rig.app.inject({
    method: 'POST',
    url: `${local(job.callbacks.agave.url)}&status=\${STATUS}&wait=1`,
    payload: fixture('running.json'),
    headers: { 'content-type': 'application/json' },
  });
  t.match(literal.json(), { state: 'RUNNING' });
  const noBody = await rig.app.inject({
    method: 'POST',
    url: `${local(job.callbacks.agave.url)}&status=HEARTBEAT&wait=1`,
  });
  t.match(noBody.json(), { status: 'applied', state: 'RUNNING' }, 'HEARTBEAT maps to update');
  const forced = await rig.app.inject({
    method: 'POST',
    url: `${local(job.callbacks.agave.url)}&status=RUNNING&event=fail&wait=1`,
  });
  t.match(forced.json(), { state: 'FAILED' });
  const none = await rig.app.inject({ method: 'POST', url: local(job.callbacks.agave.url) });
  t.equal(none.statusCode, 400);
  t.match(none.json(), { error: { code: 'schema_violation', details: { field: 'status' } } });
});

t.test('POST /events: URL form with the body as data, JSON form, ?wait=1 verdicts', async (t) => {
  const rig = await managed(t);
  const job = await create(rig);
  const run = await rig.app.inject({
    method: 'POST',
    url: `${local(job.callbacks.events)}&event=run&note=started&wait=1`,
    payload: { host: 'n1', 'a.b': 1 },
  });
  t.equal(run.statusCode, 200);
  t.match(run.json(), { uuid: job.uuid, status: 'applied', state: 'RUNNING', version: 2 });
  const [, entry] = await rig.store.history(job.uuid);
  t.same(entry?.data, { host: 'n1', 'a.b': 1, note: 'started' });
  t.equal(entry?.source, 'http');

  const illegal = await rig.app.inject({
    method: 'POST',
    url: '/events?wait=1',
    payload: { uuid: job.uuid, name: 'cancel', token: job.token },
  });
  t.equal(illegal.statusCode, 409);
  t.match(illegal.json(), { error: { code: 'illegal_transition', details: { uuid: job.uuid } } });

  const queued = await rig.app.inject({
    method: 'POST',
    url: '/events',
    payload: { uuid: job.uuid, name: 'finish', token: job.token, data: { ok: true } },
  });
  t.equal(queued.statusCode, 202);
  const { eventId } = queued.json<{ eventId: string }>();
  const sameId = await rig.app.inject({
    method: 'POST',
    url: '/events?wait=1',
    payload: { id: eventId, uuid: job.uuid, name: 'finish', token: job.token, data: { ok: true } },
  });
  t.match(sameId.json(), { status: 'duplicate', state: 'FINISHED' }, 'a retry with the answered id is a duplicate');
});

t.test('bad bodies are refused with their codes', async (t) => {
  const rig = await managed(t);
  const job = await create(rig);
  const cases: Array<[string, string | Buffer, number, string]> = [
    ['/events', '{"uuid":', 400, 'malformed_json'],
    ['/events', '[1,2]', 400, 'not_an_object'],
    ['/events', JSON.stringify({ uuid: job.uuid, name: 'explode', token: job.token }), 400, 'unknown_event'],
    ['/events', JSON.stringify({ uuid: job.uuid, name: 'run', token: job.token, data: 'x' }), 400, 'schema_violation'],
    ['/events', Buffer.alloc(300 * 1024, 0x20), 413, 'payload_too_large'],
    [
      '/events',
      JSON.stringify({
        uuid: job.uuid,
        name: 'run',
        token: job.token,
        data: JSON.parse('['.repeat(40) + ']'.repeat(40)) as unknown,
      }),
      400,
      'too_deep',
    ],
    ['/jobs', '{"pipeline":"bad pipeline id"}', 400, 'schema_violation'],
    ['/jobs', '', 400, 'schema_violation'],
    [`/callbacks/agave?uuid=${job.uuid}&token=${job.token}`, '{"status":"RUNNING"}', 400, 'schema_violation'],
    [
      `/callbacks/slurm?uuid=${job.uuid}&token=${job.token}`,
      '{"subject":"x","env":{"PATH":"/bin"}}',
      400,
      'schema_violation',
    ],
    ['/events', JSON.stringify({ name: 'create', pipeline: 'p' }), 400, 'schema_violation'],
  ];
  for (const [url, payload, status, code] of cases) {
    const res = await rig.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
    t.equal(res.statusCode, status, `${url} ${String(payload).slice(0, 40)}`);
    t.equal(res.json<{ error: { code: string } }>().error.code, code);
  }
  t.match(await rig.store.get(job.uuid), { state: 'CREATED', version: 1 }, 'the job is untouched');
});

t.test('callbacks are rate-limited per job with Retry-After', async (t) => {
  const rig = await startHttpRig({ manager: true, rateLimit: { perSecond: 0.5, burst: 3 } });
  t.teardown(() => rig.close());
  const job = await create(rig);
  const other = await create(rig);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++)
    statuses.push(
      (await rig.app.inject({ method: 'POST', url: `${local(job.callbacks.events)}&event=update&note=${i}` }))
        .statusCode,
    );
  t.same(statuses, [202, 202, 202, 429]);
  const limited = await rig.app.inject({ method: 'POST', url: `${local(job.callbacks.events)}&event=update&note=x` });
  t.equal(limited.headers['retry-after'], '2');
  t.match(limited.json(), { error: { code: 'rate_limited', details: { uuid: job.uuid } } });
  t.equal(
    (await rig.app.inject({ method: 'POST', url: `${local(other.callbacks.events)}&event=update` })).statusCode,
    202,
    'other jobs are not affected',
  );
});

t.test('a bus that cannot take the event answers 503 with Retry-After', async (t) => {
  const rig = await managed(t);
  const job = await create(rig);
  await rig.bus.close();
  const res = await rig.app.inject({ method: 'POST', url: `${local(job.callbacks.events)}&event=run` });
  t.equal(res.statusCode, 503);
  t.equal(res.headers['retry-after'], '5');
  t.match(res.json(), { error: { code: 'bus_unavailable' } });
});

t.test('the OpenAPI document lists every route', async (t) => {
  const rig = await managed(t);
  const res = await rig.app.inject({ url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
  t.match(doc.openapi, /^3\./);
  for (const path of [
    '/jobs',
    '/jobs/{uuid}',
    '/jobs/{uuid}/history',
    '/jobs/{uuid}/status-changes',
    '/events',
    '/callbacks/agave',
    '/callbacks/slurm',
    '/nonces',
    '/healthz',
    '/readyz',
    '/metrics',
  ]) {
    t.ok(doc.paths[path], path);
  }
  const list = doc.paths['/jobs'] as { get: { parameters: Array<{ name: string }> } };
  t.ok(
    list.get.parameters.some((p) => p.name === 'error'),
    'GET /jobs documents error=',
  );
});

t.test('Slurm callbacks: an end mail before its Began mail still gives run then finish, once', async (t) => {
  const rig = await managed(t);
  const job = await create(rig);
  const env = {
    SLURM_JOB_ID: '7',
    SLURM_JOB_RESTART_COUNT: '0',
    SLURM_JOB_COMMENT: `pjm:${job.uuid}:${job.token}`,
    SLURM_JOB_EXIT_CODE: '0',
    SLURM_JOB_EXIT_CODE_MAX: '0',
  };
  const post = (subject: string, state: string) =>
    rig.app.inject({
      method: 'POST',
      url: `${local(job.callbacks.slurm.url)}&wait=1`,
      payload: { subject, user: 'x', env: { ...env, SLURM_JOB_STATE: state } },
    });
  const ended = await post('Slurm Job_id=7 Name=wrap Ended, Run time 00:00:01, COMPLETED, ExitCode 0', 'COMPLETED');
  t.match(ended.json(), { status: 'applied', state: 'FINISHED', version: 3 });
  const began = await post('Slurm Job_id=7 Name=wrap Began, Queued time 00:00:00', 'RUNNING');
  t.match(
    began.json(),
    { status: 'duplicate', state: 'FINISHED', version: 3 },
    'the late Began mail is the implied run',
  );
  const history = await rig.store.history(job.uuid);
  t.same(
    history.map((h) => h.name),
    ['create', 'run', 'finish'],
  );
  t.match(history[2]?.data, {
    slurm: { state: 'COMPLETED', exitCode: 0 },
    env: { SLURM_JOB_COMMENT: `pjm:${job.uuid}:[redacted]` },
  });
  t.notOk(JSON.stringify(history).includes(job.token), 'the token in the comment is not stored');

  const pending = await create(rig);
  const cancelled = await rig.app.inject({
    method: 'POST',
    url: `${local(pending.callbacks.slurm.url)}&wait=1`,
    payload: {
      subject: 'Slurm Job_id=8 Name=wrap Ended, Run time 00:00:00, CANCELLED, ExitCode 0',
      env: { SLURM_JOB_ID: '8', SLURM_JOB_STATE: 'CANCELLED' },
    },
  });
  t.match(cancelled.json(), { status: 'applied', state: 'FAILED', version: 2 }, 'cancelled before it started: no run');
});

t.test('Slurm callbacks: a time-limit warning is an update; the job finishes inside its grace period', async (t) => {
  const rig = await managed(t);
  const job = await create(rig);
  const env = { SLURM_JOB_ID: '7', SLURM_JOB_RESTART_COUNT: '0' };
  const post = (subject: string, state: string) =>
    rig.app.inject({
      method: 'POST',
      url: `${local(job.callbacks.slurm.url)}&wait=1`,
      payload: { subject, env: { ...env, SLURM_JOB_STATE: state } },
    });
  t.match((await post('Slurm Job_id=7 Name=wrap Began, Queued time 00:00:04', 'RUNNING')).json(), { state: 'RUNNING' });
  for (const subject of [
    'Slurm Job_id=7 Name=wrap Reached 50% of time limit, Run time 00:00:51',
    'Slurm Job_id=7 Name=wrap Reached time limit, Run time 00:01:21',
  ]) {
    t.match((await post(subject, 'RUNNING')).json(), { status: 'applied', state: 'RUNNING' }, subject);
  }
  t.match(
    (await post('Slurm Job_id=7 Name=wrap Ended, Run time 00:01:35, COMPLETED, ExitCode 0', 'COMPLETED')).json(),
    { status: 'applied', state: 'FINISHED' },
  );
  const history = await rig.store.history(job.uuid);
  t.same(
    history.map((h) => h.name),
    ['create', 'run', 'update', 'update', 'finish'],
  );
  t.match(history[3]?.data, { slurm: { kind: 'time_limit', timeLimitPercent: 100, runTime: '00:01:21' } });
  t.match(history[2]?.data, { slurm: { kind: 'time_limit', timeLimitPercent: 50 } });
});

t.test('Slurm callbacks: a job array is one job, with or without ARRAY_TASKS', async (t) => {
  const rig = await managed(t);
  const summary = await create(rig);
  const postTo = (job: CreateAnswer, payload: Record<string, unknown>) =>
    rig.app.inject({ method: 'POST', url: `${local(job.callbacks.slurm.url)}&wait=1`, payload });
  t.match(
    (
      await postTo(summary, {
        subject: 'Slurm Array Summary Job_id=12_* (12) Name=wrap Began',
        env: { SLURM_JOB_ID: '12', SLURM_JOB_STATE: 'PENDING' },
      })
    ).json(),
    { state: 'RUNNING' },
  );
  t.match(
    (
      await postTo(summary, {
        subject: 'Slurm Array Summary Job_id=12_* (12) Name=wrap Ended, COMPLETED, ExitCode [0-0]',
        env: { SLURM_JOB_ID: '12' },
      })
    ).json(),
    { state: 'FINISHED' },
  );

  const tasks = await create(rig);
  const task = (id: string, jobId: string, subject: string, arrayEnd?: Record<string, unknown>) =>
    postTo(tasks, {
      subject,
      env: { SLURM_JOB_ID: jobId, SLURM_ARRAY_JOB_ID: '15', SLURM_ARRAY_TASK_ID: id, SLURM_ARRAY_TASK_COUNT: '3' },
      ...(arrayEnd !== undefined && { arrayEnd }),
    });
  t.match((await task('0', '21', 'Slurm Array Task Job_id=15_0 (21) Name=wrap Began, Queued time 00:01:38')).json(), {
    state: 'RUNNING',
  });
  t.match(
    (
      await task(
        '0',
        '21',
        'Slurm Array Task Job_id=15_0 (21) Name=wrap Ended, Run time 00:00:02, COMPLETED, ExitCode 0',
      )
    ).json(),
    { status: 'applied', state: 'RUNNING' },
    'one task ended: the array goes on',
  );
  t.match(
    (
      await task('1', '22', 'Slurm Array Task Job_id=15_1 (22) Name=wrap Failed, Run time 00:00:02, FAILED, ExitCode 3')
    ).json(),
    { status: 'applied', state: 'RUNNING' },
    'a failed task is recorded, not the end',
  );
  const end = { tasks: 3, states: { COMPLETED: 2, FAILED: 1 }, notCompleted: ['1'] };
  const last = await task(
    '2',
    '15',
    'Slurm Array Task Job_id=15_2 (15) Name=wrap Ended, Run time 00:00:02, COMPLETED, ExitCode 0',
    end,
  );
  t.match(last.json(), { status: 'applied', state: 'FAILED' }, 'the last task brings the array end');
  const again = await task(
    '1',
    '22',
    'Slurm Array Task Job_id=15_1 (22) Name=wrap Failed, Run time 00:00:02, FAILED, ExitCode 3',
    end,
  );
  t.match(again.json(), { status: 'duplicate' }, 'two reports of one array end apply once');
  const history = await rig.store.history(tasks.uuid);
  t.same(
    history.map((h) => h.name),
    ['create', 'run', 'update', 'run', 'update', 'run', 'update', 'fail'],
  );
  t.match(history[4]?.data, { slurm: { kind: 'failed', array: 'task', jobId: '15_1', state: 'FAILED', exitCode: 3 } });
  t.match(history[7]?.data, {
    slurm: { jobId: '15_*', array: 'summary', state: 'MIXED', tasks: 3, states: end.states },
    reason: 'task 1 of Slurm job array 15 did not complete',
  });
});
