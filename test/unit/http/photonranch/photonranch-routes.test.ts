import { decodeTime } from 'ulid';
import t, { type Test } from 'tap';
import { ADMIN_TOKEN, startHttpRig, type HttpRig } from '../../../helpers/http-rig.js';
import { AUDIENCE, ISSUER, ROLES_CLAIM, testIdp } from '../../../helpers/photonranch-keys.js';
import type { PhotonRanchOptions } from '../../../../http/photonranch/register-photonranch.js';

const idp = await testIdp();
t.teardown(() => idp.close());
const BEARER = `Bearer ${await idp.sign({ [ROLES_CLAIM]: { roles: ['admin'] } })}`;
const COMMAND = {
  site: 'tst',
  device: 'camera',
  instance: 'camera1',
  action: 'expose',
  user_name: 'Ana',
  user_id: 'auth0|ana',
  optional_params: { count: '1' },
  required_params: { time: '1', image_type: 'light' },
};

interface Item {
  site: string;
  ulid: string;
  uuid: string;
  statusId: string;
  state: string;
  phase?: string;
  secondsUntilComplete: number;
  timestamp_ms: number;
  queue?: string;
  token?: string;
}

async function rig(
  t: Test,
  photonranch: PhotonRanchOptions = {},
  clock?: () => Date,
  requireSender = false,
): Promise<HttpRig> {
  const jwt = { jwks: idp.files.jwks, audience: AUDIENCE, issuer: ISSUER, rolesClaim: ROLES_CLAIM };
  const started = await startHttpRig({
    manager: true,
    photonranch: { jwt, ...photonranch },
    requireSender,
    ...(clock !== undefined && { clock }),
  });
  t.teardown(() => started.close());
  return started;
}

/** The site routes need a credential (a site key or a bearer token): an admin's unless `headers` name one. */
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function post(r: HttpRig, path: string, payload: object, headers: Record<string, string> = {}) {
  const credential = 'authorization' in headers || 'x-nonce' in headers ? {} : ADMIN;
  return r.app.inject({ method: 'POST', url: `/photonranch/${path}`, headers: { ...credential, ...headers }, payload });
}

async function newjob(r: HttpRig, command: object = COMMAND): Promise<Item> {
  const res = await post(r, 'newjob', command, { authorization: BEARER });
  if (res.statusCode !== 200) throw new Error(`newjob: ${res.statusCode} ${res.body}`);
  return res.json<Item>();
}

async function status(r: HttpRig, body: object) {
  return post(r, 'updatejobstatus', body);
}

t.test('newjob: two identical commands are two jobs, each named by a ulid in the seed shape', async (t) => {
  const r = await rig(t);
  const first = await newjob(r);
  const second = await newjob(r);
  t.not(first.ulid, second.ulid);
  t.not(first.uuid, second.uuid);
  for (const item of [first, second]) {
    t.match(item, {
      site: 'tst',
      deviceType: 'camera',
      deviceInstance: 'camera1',
      action: 'expose',
      user_name: 'Ana',
      user_id: 'auth0|ana',
      user_roles: ['admin'],
      optional_params: { count: '1' },
      required_params: { time: '1', image_type: 'light' },
      statusId: `UNREAD#${item.ulid}`,
      secondsUntilComplete: -1,
      state: 'CREATED',
      token: /./,
    });
    t.equal(item.timestamp_ms, decodeTime(item.ulid));
    const job = await r.store.get(item.uuid);
    t.match(job, { ulid: item.ulid, site: 'tst', pipeline: 'photonranch', creator: 'jwt:auth0|ana' });
  }
  t.equal((await r.store.list({})).jobs.length, 2);
});

t.test('newjob: each missing key is named, 400, and nothing is created', async (t) => {
  const r = await rig(t);
  for (const key of Object.keys(COMMAND)) {
    const command: Record<string, unknown> = { ...COMMAND };
    delete command[key];
    const res = await post(r, 'newjob', command, { authorization: BEARER });
    t.equal(res.statusCode, 400, key);
    t.match(res.json(), { error: { code: 'missing_required_key', message: `missing required key ${key}` } });
  }
  t.same((await r.store.list({})).jobs, []);
});

t.test("a job's ulid is accepted wherever its uuid is", async (t) => {
  const r = await rig(t);
  const item = await newjob(r);
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const byUlid = await r.app.inject({ method: 'GET', url: `/jobs/${item.ulid}`, headers: auth });
  t.equal(byUlid.statusCode, 200);
  t.match(byUlid.json(), { uuid: item.uuid });
  const lower = await r.app.inject({ method: 'GET', url: `/jobs/${item.ulid.toLowerCase()}/history`, headers: auth });
  t.equal(lower.statusCode, 200, 'in lower case too, on the history route');
  const token = item.token ?? '';
  const body = await r.app.inject({
    method: 'POST',
    url: '/events?wait=1',
    payload: { uuid: item.ulid, name: 'run', token },
  });
  t.match(body.json(), { uuid: item.uuid, status: 'applied', state: 'RUNNING' }, 'the JSON event body');
  const query = await r.app.inject({
    method: 'POST',
    url: `/events?uuid=${item.ulid}&event=update&token=${encodeURIComponent(token)}&wait=1`,
  });
  t.match(query.json(), { uuid: item.uuid, status: 'applied' }, 'the URL form');
  const unknown = await r.app.inject({ method: 'GET', url: '/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV', headers: auth });
  t.equal(unknown.statusCode, 400, 'a ulid of no job is left to the route, which refuses it as not a uuid');
});

t.test('updatejobstatus: the seed README flow, the words mapped, secondsUntilComplete kept', async (t) => {
  const r = await rig(t);
  const { ulid, uuid } = await newjob(r);
  const started = await status(r, { site: 'tst', ulid, newStatus: 'STARTED' });
  t.equal(started.statusCode, 200);
  t.match(started.json(), {
    state: 'RUNNING',
    phase: 'STARTED',
    statusId: `STARTED#${ulid}`,
    secondsUntilComplete: -1,
  });
  const exposing = await status(r, { site: 'tst', ulid, newStatus: 'EXPOSING', secondsUntilComplete: 30 });
  t.match(exposing.json(), { state: 'RUNNING', statusId: `EXPOSING#${ulid}`, secondsUntilComplete: 30 });
  t.match((await r.store.get(uuid))?.detail, { status: 'EXPOSING', secondsUntilComplete: 30, queue: 'primary' });
  const free = await status(r, { site: 'tst', ulid, newStatus: 'Slewing to target', alternateQueue: true });
  t.match(free.json(), { state: 'RUNNING', phase: 'Slewing to target', queue: 'replica' }, 'a free-form word');
  const complete = await status(r, { site: 'tst', ulid, newStatus: 'COMPLETED', secondsUntilComplete: 0 });
  t.match(complete.json(), { state: 'FINISHED', statusId: `COMPLETE#${ulid}`, secondsUntilComplete: 0 });
  const history = await r.store.history(uuid);
  t.same(
    history.map((e) => [e.name, e.phase]),
    [
      ['create', undefined],
      ['run', 'STARTED'],
      ['update', 'EXPOSING'],
      ['update', 'Slewing to target'],
      ['finish', 'COMPLETE'],
    ],
  );
  t.match(history[3]?.data, { status: 'Slewing to target', queue: 'replica' }, 'the queue is kept with the report');
});

t.test('updatejobstatus: an illegal change is refused 409 and the job is unchanged', async (t) => {
  const r = await rig(t);
  const { ulid, uuid } = await newjob(r);
  const before = await r.store.get(uuid);
  const early = await status(r, { site: 'tst', ulid, newStatus: 'COMPLETE' });
  t.equal(early.statusCode, 409);
  t.match(early.json(), { error: { code: 'illegal_transition' } });
  t.same(await r.store.get(uuid), before, 'COMPLETE before STARTED changed nothing');
  await status(r, { site: 'tst', ulid, newStatus: 'STARTED' });
  await status(r, { site: 'tst', ulid, newStatus: 'COMPLETE' });
  const done = await r.store.get(uuid);
  const late = await status(r, { site: 'tst', ulid, newStatus: 'EXPOSING' });
  t.equal(late.statusCode, 409, 'EXPOSING after COMPLETE');
  t.same(await r.store.get(uuid), done);
  const missing = await status(r, { site: 'tst', ulid });
  t.match(missing.json(), { error: { code: 'missing_required_key', message: 'missing required key newStatus' } });
  t.equal(missing.statusCode, 400);
});

t.test("a site's calls reach only its own jobs", async (t) => {
  const r = await rig(t);
  const a = await newjob(r);
  await newjob(r, { ...COMMAND, site: 'other' });
  const before = await r.store.get(a.uuid);
  const foreign = await status(r, { site: 'other', ulid: a.ulid, newStatus: 'STARTED' });
  t.equal(foreign.statusCode, 404);
  t.match(foreign.json(), { error: { code: 'unknown_job' } });
  const start = await post(r, 'startjob', { site: 'other', ulid: a.ulid });
  t.equal(start.statusCode, 404);
  t.same(await r.store.get(a.uuid), before, 'unchanged');
  const recent = await post(r, 'getrecentjobs', { site: 'other' });
  t.same(
    recent.json<Item[]>().map((i) => i.site),
    ['other'],
  );
});

t.test('startjob starts the job and keeps secondsUntilComplete', async (t) => {
  const r = await rig(t);
  const { ulid } = await newjob(r);
  const res = await post(r, 'startjob', { site: 'tst', ulid, secondsUntilComplete: 12 });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { state: 'RUNNING', statusId: `STARTED#${ulid}`, secondsUntilComplete: 12 });
});

t.test('getrecentjobs: the commands of the last timeRange ms (default 24 h), oldest first', async (t) => {
  let now = Date.parse('2026-01-10T12:00:00.000Z');
  const r = await rig(t, {}, () => new Date(now));
  const old = await newjob(r);
  now += 20 * 3600_000;
  const recent = await newjob(r);
  now += 5 * 3600_000;
  const day = await post(r, 'getrecentjobs', { site: 'tst' });
  t.equal(day.statusCode, 200);
  t.same(
    day.json<Item[]>().map((i) => i.ulid),
    [recent.ulid],
    'the default day holds the recent one only',
  );
  const two = await post(r, 'getrecentjobs', { site: 'tst', timeRange: 2 * 24 * 3600_000 });
  t.same(
    two.json<Item[]>().map((i) => i.ulid),
    [old.ulid, recent.ulid],
  );
  t.match(two.json<Item[]>()[0], { statusId: `UNREAD#${old.ulid}`, site: 'tst', deviceType: 'camera' });
  const none = await post(r, 'getrecentjobs', {});
  t.match(none.json(), { error: { code: 'missing_required_key', message: 'missing required key site' } });
});

t.test("cancel_all_commands cancels the site's earlier unstarted commands, keeping them", async (t) => {
  const r = await rig(t);
  const waiting = [await newjob(r), await newjob(r)];
  const running = await newjob(r);
  await status(r, { site: 'tst', ulid: running.ulid, newStatus: 'STARTED' });
  const elsewhere = await newjob(r, { ...COMMAND, site: 'other' });
  const cancel = await newjob(r, { ...COMMAND, action: 'cancel_all_commands' });
  const deadline = Date.now() + 5000;
  const stateOf = async (uuid: string) => (await r.store.get(uuid))?.state;
  while (Date.now() < deadline && (await stateOf(waiting[1]?.uuid ?? '')) !== 'CANCELLED')
    await new Promise((resolve) => setTimeout(resolve, 20));
  for (const job of waiting) {
    t.equal(await stateOf(job.uuid), 'CANCELLED');
    t.same(
      (await r.store.history(job.uuid)).map((e) => e.name),
      ['create', 'cancel'],
      'kept, with its history',
    );
  }
  t.equal(await stateOf(running.uuid), 'RUNNING', 'a started command runs on');
  t.equal(await stateOf(elsewhere.uuid), 'CREATED', "another site's command is untouched");
  t.equal(await stateOf(cancel.uuid), 'CREATED', 'the cancel command itself is a new job');
  const recent = await post(r, 'getrecentjobs', { site: 'tst' });
  t.match(recent.json<Item[]>()[0], { statusId: `CANCELLED#${waiting[0]?.ulid}` });
});

t.test("CORS: the seed's headers on answers and refusals, a preflight, configured origins", async (t) => {
  const open = await rig(t);
  const ok = await post(open, 'getrecentjobs', { site: 'tst' }, { origin: 'https://www.photonranch.org' });
  t.equal(ok.headers['access-control-allow-origin'], '*');
  t.equal(ok.headers['access-control-allow-credentials'], 'true');
  const refused = await post(open, 'newjob', COMMAND);
  t.equal(refused.statusCode, 401);
  t.equal(refused.headers['access-control-allow-origin'], '*', 'on a refusal too');
  const preflight = await open.app.inject({
    method: 'OPTIONS',
    url: '/photonranch/newjob',
    headers: { origin: 'https://www.photonranch.org', 'access-control-request-method': 'POST' },
  });
  t.equal(preflight.statusCode, 204);
  t.match(preflight.headers['access-control-allow-headers'], /Authorization/);
  t.match(preflight.headers['access-control-allow-methods'], /POST/);

  const strict = await rig(t, { corsOrigins: ['https://www.photonranch.org'], prefix: '/pr/' });
  const allowed = await strict.app.inject({
    method: 'POST',
    url: '/pr/getrecentjobs',
    headers: { ...ADMIN, origin: 'https://www.photonranch.org' },
    payload: { site: 'tst' },
  });
  t.equal(allowed.statusCode, 200, 'served under the configured prefix');
  t.equal(allowed.headers['access-control-allow-origin'], 'https://www.photonranch.org');
  t.equal(allowed.headers['vary'], 'Origin');
  const other = await strict.app.inject({
    method: 'POST',
    url: '/pr/getrecentjobs',
    headers: { ...ADMIN, origin: 'https://evil.test' },
    payload: { site: 'tst' },
  });
  t.equal(other.headers['access-control-allow-origin'], undefined, 'another origin is not allowed');
  const moved = await post(strict, 'getrecentjobs', { site: 'tst' });
  t.equal(moved.statusCode, 404, 'nothing at the default prefix');
});

t.test(
  'the site routes need a site key or a bearer token, even from loopback; a key serves its own site',
  async (t) => {
    const r = await rig(t);
    const { ulid } = await newjob(r);
    const bare = await post(r, 'updatejobstatus', { site: 'tst', ulid, newStatus: 'STARTED' }, { authorization: '' });
    t.equal(bare.statusCode, 401);
    t.match(bare.json(), { error: { code: 'credentials_missing' } });
    const forged = await post(
      r,
      'getrecentjobs',
      { site: 'tst' },
      { 'x-nonce': `${'0'.repeat(16)}.${'A'.repeat(32)}` },
    );
    t.equal(forged.statusCode, 403);
    t.match(forged.json(), { error: { code: 'nonce_invalid' } });
    const made = await r.app.inject({
      method: 'POST',
      url: '/nonces',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { scope: 'claim', site: 'tst' },
    });
    const nonce = made.json<{ value: string }>().value;
    const elsewhere = await post(r, 'getrecentjobs', { site: 'other' }, { 'x-nonce': nonce });
    t.equal(elsewhere.statusCode, 403, "a site key does not read another site's jobs");
    t.match(elsewhere.json(), { error: { code: 'site_forbidden' } });
    const started = await post(r, 'updatejobstatus', { site: 'tst', ulid, newStatus: 'STARTED' }, { 'x-nonce': nonce });
    t.equal(started.statusCode, 200);
    t.match(started.json(), { state: 'RUNNING' });
    const recent = await post(r, 'getrecentjobs', { site: 'tst' }, { 'x-nonce': nonce });
    t.equal(recent.json<Item[]>().length, 1);
  },
);

t.test('a body is read as JSON whatever its content type, as the seed read it', async (t) => {
  const r = await rig(t);
  const { ulid } = await newjob(r);
  const body = JSON.stringify({ site: 'tst', ulid, newStatus: 'STARTED' });
  for (const headers of [
    ADMIN,
    { ...ADMIN, 'content-type': 'text/plain' },
    { ...ADMIN, 'content-type': 'application/x-www-form-urlencoded' },
  ]) {
    const res = await r.app.inject({ method: 'POST', url: '/photonranch/getrecentjobs', headers, body });
    t.equal(res.statusCode, 200, JSON.stringify(headers));
  }
  const plain = await r.app.inject({ method: 'POST', url: '/photonranch/updatejobstatus', headers: ADMIN, body });
  t.match(plain.json(), { state: 'RUNNING' });
  const broken = await r.app.inject({
    method: 'POST',
    url: '/photonranch/getrecentjobs',
    headers: ADMIN,
    body: '{"site": ',
  });
  t.equal(broken.statusCode, 400);
  t.match(broken.json(), { error: { code: 'malformed_json' } });
});
