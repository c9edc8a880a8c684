import t from 'tap';
import { ADMIN_TOKEN, startHttpRig } from '../../../helpers/http-rig.js';

const LOOPBACK = '127.0.0.1';
const REMOTE = '203.0.113.9';

async function createJob(rig: Awaited<ReturnType<typeof startHttpRig>>): Promise<{ uuid: string; token: string }> {
  const res = await rig.app.inject({
    method: 'POST',
    url: '/jobs?wait=1',
    remoteAddress: LOOPBACK,
    payload: { pipeline: 'demo', data: { n: 1 } },
  });
  return res.json<{ uuid: string; token: string }>();
}

/**
 * Reviews a bulk `event` on the jobs `filters` match with `headers` (an admin's); `confirm` sends
 * the reviewed batch, as the confirmation's button does.
 */
async function reviewBulk(
  rig: Awaited<ReturnType<typeof startHttpRig>>,
  headers: Record<string, string>,
  filters: string,
  event: string,
) {
  const review = await rig.app.inject({
    url: '/ui/jobs/bulk',
    query: { filters, event },
    remoteAddress: REMOTE,
    headers,
  });
  const batch = /name="batch" value="([^"]+)"/.exec(review.body)?.[1] ?? '';
  const confirm = (expected: string) =>
    rig.app.inject({
      method: 'POST',
      url: '/ui/jobs/bulk',
      remoteAddress: REMOTE,
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ filters, event, batch, expected }).toString(),
    });
  return { review, batch, confirm };
}

function cookieOf(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return (first ?? '').split(';')[0] ?? '';
}

t.test('pages answer HTML with a strict CSP; a remote reader without credentials is asked to sign in', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  const { uuid } = await createJob(rig);
  for (const url of ['/ui/', '/ui/jobs?state=CREATED', `/ui/jobs/${uuid}`]) {
    const res = await rig.app.inject({ url, remoteAddress: LOOPBACK });
    t.equal(res.statusCode, 200, url);
    t.match(res.headers['content-type'], /text\/html/);
    t.match(res.headers['content-security-policy'], /script-src 'self'/);
  }
  const assets = await rig.app.inject({ url: '/ui/assets/htmx.min.js', remoteAddress: REMOTE });
  t.equal(assets.statusCode, 200, 'assets need no credential');
  const refused = await rig.app.inject({ url: '/ui/', remoteAddress: REMOTE });
  t.equal(refused.statusCode, 401);
  t.match(refused.body, 'href="/ui/login"');
  const nonce = await rig.app.inject({ url: '/ui/jobs', remoteAddress: REMOTE, query: { 'x-nonce': 'n1.abc' } });
  t.equal(nonce.statusCode, 403, 'a nonce never reads');
});

t.test('sign-in makes a session; actions need its CSRF token and a state that allows them', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  const { uuid } = await createJob(rig);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  const bad = await rig.app.inject({
    method: 'POST',
    url: '/ui/login',
    remoteAddress: REMOTE,
    headers: form,
    payload: 'token=nope',
  });
  t.equal(bad.statusCode, 403);
  const login = await rig.app.inject({
    method: 'POST',
    url: '/ui/login',
    remoteAddress: REMOTE,
    headers: form,
    payload: `token=${ADMIN_TOKEN}&next=/ui/jobs/${uuid}`,
  });
  t.equal(login.statusCode, 303);
  t.equal(login.headers.location, `/ui/jobs/${uuid}`);
  t.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  const cookie = cookieOf(login.headers['set-cookie']);

  const page = await rig.app.inject({ url: `/ui/jobs/${uuid}`, remoteAddress: REMOTE, headers: { cookie } });
  t.equal(page.statusCode, 200, 'the session reads from afar');
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  t.not(csrf, '');

  const action = (payload: string, headers: Record<string, string> = { cookie }) =>
    rig.app.inject({
      method: 'POST',
      url: `/ui/jobs/${uuid}/events`,
      remoteAddress: REMOTE,
      headers: { ...form, ...headers },
      payload,
    });
  t.equal((await action('event=cancel')).statusCode, 403, 'no CSRF token');
  t.equal((await action('event=cancel&csrf=forged')).statusCode, 403, 'a wrong CSRF token');
  t.equal((await action(`event=finish&csrf=${csrf}`)).statusCode, 400, 'not a dashboard action');
  t.equal((await action(`event=ready&csrf=${csrf}`)).statusCode, 409, 'not allowed in CREATED');
  t.equal((await action(`event=cancel&csrf=${csrf}`, {})).statusCode, 401, 'no credential at all');
  const done = await action(`event=cancel&csrf=${csrf}`);
  t.equal(done.statusCode, 303);
  t.equal((await rig.store.get(uuid))?.state, 'CANCELLED');
  const history = await rig.store.history(uuid);
  t.equal(history.at(-1)?.source, 'ui');
});

t.test('the token is revealed only to an admin who asks', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  const { uuid, token } = await createJob(rig);
  const page = await rig.app.inject({ url: `/ui/jobs/${uuid}`, remoteAddress: LOOPBACK });
  t.notMatch(page.body, token);
  const reader = await rig.app.inject({ method: 'POST', url: `/ui/jobs/${uuid}/token`, remoteAddress: LOOPBACK });
  t.equal(reader.statusCode, 401, 'a loopback reader is no admin');
  const admin = await rig.app.inject({
    method: 'POST',
    url: `/ui/jobs/${uuid}/token`,
    remoteAddress: REMOTE,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  t.equal(admin.statusCode, 200);
  t.match(admin.body, token);
});

t.test('jump: by uuid without dashes, by ULID prefix, by uuid prefix; unknown is a 404 page', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  const { uuid } = await createJob(rig);
  const job = await rig.store.get(uuid);
  for (const q of [uuid.replace(/-/g, ''), job?.ulid.slice(0, 14) ?? '', uuid.slice(0, 6)]) {
    const res = await rig.app.inject({ url: '/ui/find', query: { q }, remoteAddress: LOOPBACK });
    t.equal(res.headers.location, `/ui/jobs/${uuid}`, q);
  }
  const none = await rig.app.inject({ url: '/ui/find', query: { q: '<b>zz' }, remoteAddress: LOOPBACK });
  t.equal(none.statusCode, 404);
  t.notMatch(none.body, '<b>zz');
});

t.test('the overview groups the latest failures by the reason their failing event gave', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  const { uuid, token } = await createJob(rig);
  const fail = await rig.app.inject({
    method: 'POST',
    url: '/events?wait=1',
    remoteAddress: LOOPBACK,
    payload: { uuid, token, name: 'fail', data: { error: '<b>disk full</b>' } },
  });
  t.equal(fail.statusCode, 200);
  const overview = await rig.app.inject({ url: '/ui/', remoteAddress: LOOPBACK });
  t.match(overview.body, '<td>&#60;b&#62;disk full&#60;/b&#62;</td>');
  t.match(overview.body, `href="/ui/jobs?state&#61;FAILED&#38;pipeline&#61;demo"`);
});

t.test('a bulk action says how many jobs it will change, sends to exactly those, and applies once', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const create = async (pipeline: string, n: number) =>
    (
      await rig.app.inject({
        method: 'POST',
        url: '/jobs?wait=1',
        remoteAddress: LOOPBACK,
        payload: { pipeline, data: { n } },
      })
    ).json<{ uuid: string; token: string }>();
  const targets = await Promise.all([1, 2, 3, 4, 5].map((n) => create('bulk', n)));
  const [running] = targets;
  const other = await create('other', 1);
  const run = await rig.app.inject({
    method: 'POST',
    url: '/events?wait=1',
    remoteAddress: LOOPBACK,
    payload: { uuid: running?.uuid, token: running?.token, name: 'run' },
  });
  t.equal(run.statusCode, 200);

  const list = await rig.app.inject({ url: '/ui/jobs?pipeline=bulk', remoteAddress: REMOTE, headers: admin });
  t.match(list.body, 'action="/ui/jobs/bulk"', 'an admin sees the bulk form');
  const reader = await rig.app.inject({ url: '/ui/jobs?pipeline=bulk', remoteAddress: LOOPBACK });
  t.notMatch(reader.body, 'action="/ui/jobs/bulk"', 'a reader does not');
  const refused = await rig.app.inject({
    url: '/ui/jobs/bulk',
    query: { filters: 'pipeline=bulk', event: 'cancel' },
    remoteAddress: LOOPBACK,
  });
  t.equal(refused.statusCode, 401, 'a reader cannot even review one');

  const { review, batch, confirm: confirmWith } = await reviewBulk(rig, admin, 'pipeline=bulk', 'cancel');
  t.equal(review.statusCode, 200);
  t.match(review.body, 'Send cancel to 4 jobs?', 'the running job is not counted: cancel is not allowed there');
  const confirm = () => confirmWith('4');
  // A confirmation sent twice at once (a double click) sends each job's event twice, with the same id.
  const [sent, twice] = await Promise.all([confirm(), confirm()]);
  t.equal(sent.statusCode, 200);
  t.equal(twice.statusCode, 200);
  t.match(sent.body, 'Sent cancel to 4 jobs');
  const settled = async () => {
    for (let i = 0; i < 200; i++) {
      const states = await Promise.all(targets.map(async (j) => (await rig.store.get(j.uuid))?.state));
      if (states.filter((s) => s === 'CANCELLED').length === 4) return states;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the bulk cancel did not settle');
  };
  t.same(await settled(), ['RUNNING', 'CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
  t.equal((await rig.store.get(other.uuid))?.state, 'CREATED', 'a job outside the filters is untouched');

  const again = await confirm();
  t.match(again.body, 'Sent cancel to 0 jobs', 'once applied, the same confirmation finds nothing left to change');
  for (const job of targets.slice(1)) {
    const cancels = (await rig.store.history(job.uuid)).filter((e) => e.name === 'cancel');
    t.equal(cancels.length, 1, 'one cancel per job');
    t.match(cancels[0]?.data, { via: 'dashboard', batch });
  }
});

t.test('a bulk action with a session needs its CSRF token', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  await createJob(rig);
  const login = await rig.app.inject({
    method: 'POST',
    url: '/ui/login',
    remoteAddress: REMOTE,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${ADMIN_TOKEN}`,
  });
  const cookie = cookieOf(login.headers['set-cookie']);
  const post = (csrf: string) =>
    rig.app.inject({
      method: 'POST',
      url: '/ui/jobs/bulk',
      remoteAddress: REMOTE,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ filters: '', event: 'cancel', batch: crypto.randomUUID(), csrf }).toString(),
    });
  t.equal((await post('forged')).statusCode, 403);
  const review = await rig.app.inject({
    url: '/ui/jobs/bulk',
    query: { filters: '', event: 'cancel' },
    remoteAddress: REMOTE,
    headers: { cookie },
  });
  const csrf = /name="csrf" value="([^"]+)"/.exec(review.body)?.[1] ?? '';
  t.match(review.body, 'Send cancel to 1 job?');
  t.equal((await post(csrf)).statusCode, 200);
});

t.test('retry: offered for a failed job only; it resets and readies it, once per job in bulk', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const form = { ...admin, 'content-type': 'application/x-www-form-urlencoded' };
  const send = async (job: { uuid: string; token: string }, name: string) =>
    (
      await rig.app.inject({
        method: 'POST',
        url: '/events?wait=1',
        remoteAddress: LOOPBACK,
        payload: { uuid: job.uuid, token: job.token, name },
      })
    ).statusCode;
  const jobs = await Promise.all(
    [1, 2, 3].map(async (n) =>
      (
        await rig.app.inject({
          method: 'POST',
          url: '/jobs?wait=1',
          remoteAddress: LOOPBACK,
          payload: { pipeline: 'retries', data: { n } },
        })
      ).json<{ uuid: string; token: string }>(),
    ),
  );
  const [one, two, live] = jobs as [(typeof jobs)[0], (typeof jobs)[0], (typeof jobs)[0]];
  for (const job of [one, two]) {
    t.equal(await send(job, 'run'), 200);
    t.equal(await send(job, 'fail'), 200);
  }
  t.equal(await send(live, 'run'), 200);

  const failedPage = await rig.app.inject({ url: `/ui/jobs/${one.uuid}`, remoteAddress: REMOTE, headers: admin });
  t.match(failedPage.body, 'name="event" value="retry"', 'a failed job offers retry');
  const livePage = await rig.app.inject({ url: `/ui/jobs/${live.uuid}`, remoteAddress: REMOTE, headers: admin });
  t.notMatch(livePage.body, 'name="event" value="retry"', 'a running job does not');
  const refused = await rig.app.inject({
    method: 'POST',
    url: `/ui/jobs/${live.uuid}/events`,
    remoteAddress: REMOTE,
    headers: form,
    payload: 'event=retry',
  });
  t.equal(refused.statusCode, 409, 'nor is it sent to one');

  const retried = await rig.app.inject({
    method: 'POST',
    url: `/ui/jobs/${one.uuid}/events`,
    remoteAddress: REMOTE,
    headers: form,
    payload: 'event=retry',
  });
  t.equal(retried.statusCode, 303);
  t.equal(retried.headers.location, `/ui/jobs/${one.uuid}?done=retry`);
  t.match(await rig.store.get(one.uuid), { state: 'CREATED' });
  t.same(
    (await rig.store.history(one.uuid)).map((e) => `${e.name}:${e.source}`),
    ['create:http', 'run:http', 'fail:http', 'reset:ui', 'ready:ui'],
  );

  const { review, confirm } = await reviewBulk(rig, admin, 'pipeline=retries', 'retry');
  t.match(review.body, 'Send retry to 1 job?', 'only the job still failed');
  const [sent] = await Promise.all([confirm('1'), confirm('1')]);
  t.match(sent.body, 'Sent retry to 1 job');
  for (let i = 0; i < 200 && (await rig.store.get(two.uuid))?.state !== 'CREATED'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  t.same(
    (await rig.store.history(two.uuid)).map((e) => e.name),
    ['create', 'run', 'fail', 'reset', 'ready'],
    'one reset and one ready, though the confirmation was sent twice',
  );
});
