import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { newNonce } from '../../../../model/nonce-value.js';
import { ADMIN_TOKEN, startHttpRig, type HttpRig } from '../../../helpers/http-rig.js';

const REMOTE = '203.0.113.9';
const admin = { remoteAddress: REMOTE, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

interface Claimed {
  uuid: string;
  token: string;
  site: string;
  queue: string;
  claim: { by: string; until: string };
}

async function rig(t: Test): Promise<HttpRig> {
  const made = await startHttpRig({ manager: true });
  t.teardown(() => made.close());
  return made;
}

async function create(r: HttpRig, site: string, n: number, queue?: string): Promise<string[]> {
  const uuids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await r.app.inject({
      method: 'POST',
      url: '/jobs?wait=1',
      ...admin,
      payload: { pipeline: 'pr', data: { site, queue, i }, site, ...(queue !== undefined && { queue }) },
    });
    uuids.push(res.json<{ uuid: string }>().uuid);
  }
  return uuids;
}

async function siteKey(r: HttpRig, site: string): Promise<string> {
  const { value, record } = newNonce({ scope: 'claim', site }, new Date());
  await r.nonces.create(record);
  return value;
}

function claim(r: HttpRig, body: Record<string, unknown>, nonce?: string) {
  return r.app.inject({
    method: 'POST',
    url: '/claims',
    payload: body,
    ...(nonce === undefined ? admin : { remoteAddress: REMOTE, headers: { 'x-nonce': nonce } }),
  });
}

t.test('POST /claims hands out the oldest claimable jobs of a site queue, each once', async (t) => {
  const r = await rig(t);
  const ogg = await create(r, 'ogg', 5);
  const replica = await create(r, 'ogg', 2, 'replica');
  await create(r, 'elp', 1);

  const first = await claim(r, { site: 'ogg', max: 3, by: 'poller-1' });
  t.equal(first.statusCode, 200);
  const jobs = first.json<{ jobs: Claimed[] }>().jobs;
  t.same(
    jobs.map((j) => j.uuid),
    ogg.slice(0, 3),
    'the three oldest, in order',
  );
  t.match(jobs[0], { site: 'ogg', queue: 'primary', claim: { by: 'poller-1' }, token: /\S+/ });
  const rest = (await claim(r, { site: 'ogg', max: 10 })).json<{ jobs: Claimed[] }>().jobs;
  t.same(
    rest.map((j) => j.uuid),
    ogg.slice(3),
    'the rest, never one claimed before',
  );
  t.same((await claim(r, { site: 'ogg' })).json(), { jobs: [] }, 'nothing left');
  t.same(
    (await claim(r, { site: 'ogg', queue: 'replica', max: 5 })).json<{ jobs: Claimed[] }>().jobs.map((j) => j.uuid),
    replica,
    'the replica queue is independent',
  );
  const history = await r.store.history(ogg[0] ?? '');
  t.match(history.at(-1), { name: 'claim', state: 'CREATED', data: { by: 'poller-1' } }, 'a claim note');
});

t.test('a site key claims, releases and updates only its own site', async (t) => {
  const r = await rig(t);
  const [oggJob] = await create(r, 'ogg', 1);
  const [elpJob] = await create(r, 'elp', 1);
  const oggKey = await siteKey(r, 'ogg');

  const refused = await claim(r, { site: 'elp' }, oggKey);
  t.equal(refused.statusCode, 403);
  t.equal(refused.json<{ error: { code: string } }>().error.code, 'site_forbidden');
  const own = (await claim(r, { site: 'ogg', lease: 60 }, oggKey)).json<{ jobs: Claimed[] }>().jobs;
  t.same(
    own.map((j) => j.uuid),
    [oggJob],
  );
  t.match(own[0]?.claim.by, /^nonce:/, 'the key is the default claimer');

  const elp = (await claim(r, { site: 'elp' })).json<{ jobs: Claimed[] }>().jobs[0];
  const foreign = await r.app.inject({
    method: 'POST',
    url: '/events?wait=1',
    remoteAddress: REMOTE,
    headers: { 'x-nonce': oggKey },
    payload: { uuid: elpJob, name: 'run', token: elp?.token },
  });
  t.equal(foreign.statusCode, 403, "another site's job, even with its token");
  t.equal(foreign.json<{ error: { code: string } }>().error.code, 'site_forbidden');
  const reading = await r.app.inject({
    method: 'GET',
    url: `/jobs/${elpJob}`,
    remoteAddress: REMOTE,
    headers: { 'x-nonce': oggKey },
  });
  t.equal(reading.statusCode, 403, 'nor read it');

  const run = await r.app.inject({
    method: 'POST',
    url: '/events?wait=1',
    remoteAddress: REMOTE,
    headers: { 'x-nonce': oggKey },
    payload: { uuid: oggJob, name: 'run', token: own[0]?.token },
  });
  t.match(run.json(), { status: 'applied', state: 'RUNNING' }, 'its own job runs with the token it was handed');
  const running = await r.store.get(oggJob ?? '');
  t.equal(running?.claim, undefined, 'the run ended the lease');
});

t.test('release gives a job back early; an expired lease makes it claimable again, and says so', async (t) => {
  const r = await rig(t);
  const [job] = await create(r, 'ogg', 1);
  t.equal((await claim(r, { site: 'ogg', by: 'a', lease: 1 })).json<{ jobs: Claimed[] }>().jobs.length, 1);
  t.same((await claim(r, { site: 'ogg', by: 'b' })).json(), { jobs: [] }, 'held');

  const stranger = await r.app.inject({
    method: 'POST',
    url: '/claims/release',
    ...admin,
    payload: { uuid: job, by: 'b' },
  });
  t.equal(stranger.statusCode, 409);
  t.equal(stranger.json<{ error: { code: string } }>().error.code, 'claim_not_held');

  await sleep(1100);
  const again = (await claim(r, { site: 'ogg', by: 'b', lease: 60 })).json<{ jobs: Claimed[] }>().jobs;
  t.same(
    again.map((j) => j.uuid),
    [job],
    'claimable once the lease ran out',
  );
  const notes = (await r.store.history(job ?? '')).filter((h) => h.name === 'claim');
  t.match(
    notes[1]?.data,
    { by: 'b', expired: { by: 'a', until: notes[0]?.data?.['until'] } },
    'the expiry is recorded',
  );

  const released = await r.app.inject({
    method: 'POST',
    url: '/claims/release',
    ...admin,
    payload: { uuid: job, by: 'b' },
  });
  t.match(released.json(), { uuid: job, status: 'applied', state: 'CREATED' });
  t.equal((await r.store.history(job ?? '')).at(-1)?.name, 'release');
  t.equal((await claim(r, { site: 'ogg', by: 'c' })).json<{ jobs: Claimed[] }>().jobs.length, 1, 'claimable again');
});
