import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { createLogger } from '../../../../app/logger.js';
import { JobTokens } from '../../../../model/job-tokens.js';
import { newNonce } from '../../../../model/nonce-value.js';
import type { Delivery } from '../../../../ports/event-bus.js';
import type { NonceRequest } from '../../../../model/nonce-value.js';
import { ADMIN_TOKEN, startHttpRig, type HttpRig } from '../../../helpers/http-rig.js';
import { TEST_SECRET } from '../../../helpers/manager-rig.js';
import { jobUuid } from '../../../../model/job-identity.js';

const REMOTE = '203.0.113.7';

/** A rig with no manager: whatever the bridge publishes stays on the bus, to be counted. */
async function rig(t: Test): Promise<HttpRig> {
  const r = await startHttpRig();
  t.teardown(() => r.close());
  return r;
}

/** Takes every message the bridge published (the bus is drained by an acking consumer). */
async function published(r: HttpRig): Promise<Array<Record<string, unknown>>> {
  const seen: Array<Record<string, unknown>> = [];
  const sub = await r.bus.consume((d: Delivery) => {
    seen.push(JSON.parse(d.body.toString()) as Record<string, unknown>);
    void d.ack();
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await sub.stop();
  return seen;
}

async function nonce(r: HttpRig, request: NonceRequest, now = new Date()): Promise<string> {
  const { value, record } = newNonce(request, now);
  await r.nonces.create(record);
  return value;
}

const job = { uuid: jobUuid('auth', { n: 1 }) };

function eventUrl(params: Record<string, string>): string {
  return `/events?${new URLSearchParams({ uuid: job.uuid, event: 'run', ...params }).toString()}`;
}

t.test('per-job tokens: missing 401, wrong or foreign 403, expired 403; nothing published', async (t) => {
  const r = await rig(t);
  const good = r.tokens.issue(job.uuid, new Date());
  const foreign = r.tokens.issue(jobUuid('auth', { n: 2 }), new Date());
  const otherSecret = new JobTokens('another-secret-0123456789').issue(job.uuid, new Date());
  const expired = new JobTokens(TEST_SECRET, 3600).issue(job.uuid, new Date(Date.now() - 2 * 3600 * 1000));
  const cases: Array<[string | undefined, number, string]> = [
    [undefined, 401, 'token_missing'],
    ['', 401, 'token_missing'],
    ['garbage', 403, 'token_invalid'],
    [`${good}x`, 403, 'token_invalid'],
    [foreign, 403, 'token_invalid'],
    [otherSecret, 403, 'token_invalid'],
    [expired, 403, 'token_expired'],
  ];
  for (const [token, status, code] of cases) {
    const res = await r.app.inject({ method: 'POST', url: eventUrl(token === undefined ? {} : { token }) });
    t.equal(res.statusCode, status, `token ${String(token).slice(0, 12)}`);
    t.equal(res.json<{ error: { code: string } }>().error.code, code);
    const agave = await r.app.inject({
      method: 'POST',
      url: `/callbacks/agave?uuid=${job.uuid}&status=RUNNING${token === undefined ? '' : `&token=${token}`}`,
    });
    t.equal(agave.json<{ error: { code: string } }>().error.code, code, 'same on the Agave callback');
  }
  t.same(await published(r), [], 'no refused call reached the bus');
  t.equal((await r.app.inject({ method: 'POST', url: eventUrl({ token: good }) })).statusCode, 202);
  t.equal((await published(r)).length, 1, 'the good call did');
});

t.test('sender credentials: loopback open by default, remote callers need a nonce or bearer', async (t) => {
  const r = await rig(t);
  const token = r.tokens.issue(job.uuid, new Date());
  const fromRemote = (url: string, headers: Record<string, string> = {}) =>
    r.app.inject({ method: 'POST', url, remoteAddress: REMOTE, headers });
  const missing = await fromRemote(eventUrl({ token }));
  t.equal(missing.statusCode, 401);
  t.match(missing.json(), { error: { code: 'credentials_missing' } });
  const create = await r.app.inject({
    method: 'POST',
    url: '/jobs',
    remoteAddress: REMOTE,
    payload: { pipeline: 'p' },
  });
  t.equal(create.statusCode, 401, 'creating from afar needs credentials too');
  const badBearer = await fromRemote(eventUrl({ token }), { authorization: 'Bearer not-the-admin-token' });
  t.equal(badBearer.statusCode, 403);
  t.match(badBearer.json(), { error: { code: 'credentials_invalid' } });
  const unknown = await fromRemote(eventUrl({ token, 'x-nonce': `0123456789abcdef.${'A'.repeat(32)}` }));
  t.equal(unknown.statusCode, 403);
  t.match(unknown.json(), { error: { code: 'nonce_invalid' } });
  const malformed = await fromRemote(eventUrl({ token, 'x-nonce': 'hello' }));
  t.match(malformed.json(), { error: { code: 'nonce_invalid' } });
  const live = await nonce(r, { scope: 'events' });
  const tampered = `${live.slice(0, -1)}${live.endsWith('A') ? 'B' : 'A'}`;
  t.match(
    (await fromRemote(eventUrl({ token, 'x-nonce': tampered }))).json(),
    { error: { code: 'nonce_invalid' } },
    'right id, wrong secret',
  );
  t.same(await published(r), [], 'nothing published so far');
  t.equal((await fromRemote(eventUrl({ token, 'x-nonce': live }))).statusCode, 202, 'a good nonce in the URL');
  t.equal((await fromRemote(eventUrl({ token }), { 'x-nonce': live })).statusCode, 202, 'or in a header');
  t.equal(
    (await fromRemote(eventUrl({ token }), { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode,
    202,
    'or a bearer token',
  );
  t.equal((await published(r)).length, 3);
  t.same((await r.nonces.list())[0]?.uses, 2, 'each nonce call counted once');
});

t.test('nonce limits: exhausted after maxUses, replays refused, expired, revoked, wrong scope', async (t) => {
  const r = await rig(t);
  const token = r.tokens.issue(job.uuid, new Date());
  const twice = await nonce(r, { scope: 'events', maxUses: 2 });
  const codes: Array<number> = [];
  for (let i = 0; i < 4; i++)
    codes.push(
      (
        await r.app.inject({
          method: 'POST',
          url: eventUrl({ token, 'x-nonce': twice, note: String(i) }),
          remoteAddress: REMOTE,
        })
      ).statusCode,
    );
  t.same(codes, [202, 202, 403, 403]);
  const replay = await r.app.inject({
    method: 'POST',
    url: eventUrl({ token, 'x-nonce': twice, note: '0' }),
    remoteAddress: REMOTE,
  });
  t.match(
    replay.json(),
    { error: { code: 'nonce_exhausted', details: { maxUses: 2 } } },
    'replaying an accepted call past max uses is refused',
  );

  const old = await nonce(r, { scope: 'all', ttlSeconds: 60 }, new Date(Date.now() - 120_000));
  t.match(
    (await r.app.inject({ method: 'POST', url: eventUrl({ token, 'x-nonce': old }), remoteAddress: REMOTE })).json(),
    { error: { code: 'nonce_expired' } },
  );

  const revoked = await nonce(r, { scope: 'all' });
  const [record] = (await r.nonces.list()).filter((n) => revoked.startsWith(n.id));
  const del = await r.app.inject({
    method: 'DELETE',
    url: `/nonces/${record!.id}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  t.equal(del.statusCode, 200);
  t.match(
    (
      await r.app.inject({ method: 'POST', url: eventUrl({ token, 'x-nonce': revoked }), remoteAddress: REMOTE })
    ).json(),
    { error: { code: 'nonce_revoked' } },
  );

  const createOnly = await nonce(r, { scope: 'create' });
  const wrongScope = await r.app.inject({
    method: 'POST',
    url: eventUrl({ token, 'x-nonce': createOnly }),
    remoteAddress: REMOTE,
  });
  t.equal(wrongScope.statusCode, 403);
  t.match(wrongScope.json(), { error: { code: 'forbidden', details: { need: 'events' } } });
  t.equal((await published(r)).length, 2, 'only the two accepted uses were published');

  const created = await r.app.inject({
    method: 'POST',
    url: `/jobs?x-nonce=${createOnly}`,
    remoteAddress: REMOTE,
    payload: { pipeline: 'p' },
  });
  t.equal(created.statusCode, 202, 'a create nonce creates');
  t.notMatch(created.body, createOnly, 'and is not embedded in callback URLs (it does not cover events)');
  const all = await nonce(r, { scope: 'all' });
  const withAll = await r.app.inject({
    method: 'POST',
    url: `/jobs?x-nonce=${all}`,
    remoteAddress: REMOTE,
    payload: { pipeline: 'p', data: { x: 1 } },
  });
  t.match(
    withAll.json<{ callbacks: { agave: { url: string } } }>().callbacks.agave.url,
    `x-nonce=${all}`,
    'an all-scope nonce is embedded for the callbacks',
  );
});

t.test('PJM_REQUIRE_SENDER_AUTH: loopback callers need credentials too', async (t) => {
  const r = await startHttpRig({ requireSender: true });
  t.teardown(() => r.close());
  const token = r.tokens.issue(job.uuid, new Date());
  t.equal((await r.app.inject({ method: 'POST', url: eventUrl({ token }) })).statusCode, 401);
  t.equal((await r.app.inject({ method: 'POST', url: '/jobs', payload: { pipeline: 'p' } })).statusCode, 401);
});

t.test('tokens, nonces and bearer tokens never reach the logs', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const r = await startHttpRig({ logger: createLogger('info', sink) });
  t.teardown(() => r.close());
  const token = r.tokens.issue(job.uuid, new Date());
  const value = await nonce(r, { scope: 'all' });
  await r.app.inject({ method: 'POST', url: eventUrl({ token, 'x-nonce': value }) });
  await r.app.inject({
    method: 'POST',
    url: eventUrl({ token: `${token}x` }),
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-nonce': value },
  });
  await new Promise((resolve) => setImmediate(resolve));
  const log = lines.join('');
  t.match(log, /"url":"\/events\?uuid=[^"]*token=%5Bredacted%5D/, 'request lines are logged, redacted');
  for (const secret of [token, value, ADMIN_TOKEN]) t.notOk(log.includes(secret), 'secret absent from the log');
});

t.test('reads: open to loopback on an open server; otherwise a bearer token, never a nonce', async (t) => {
  const open = await rig(t);
  t.equal((await open.app.inject({ url: '/jobs' })).statusCode, 200, 'loopback, open server');
  t.equal(
    (await open.app.inject({ url: '/jobs', remoteAddress: REMOTE })).statusCode,
    401,
    'remote caller without credentials',
  );
  const closed = await startHttpRig({ requireSender: true });
  t.teardown(() => closed.close());
  const value = await nonce(closed, { scope: 'all' });
  for (const url of ['/jobs', `/jobs/${job.uuid}`, `/jobs/${job.uuid}/history`, '/changes']) {
    const none = await closed.app.inject({ url });
    t.equal(none.statusCode, 401, `${url} without credentials`);
    t.match(none.json(), { error: { code: 'credentials_missing' } });
    const byNonce = await closed.app.inject({ url: `${url}${url.includes('?') ? '&' : '?'}x-nonce=${value}` });
    t.equal(byNonce.statusCode, 403, `${url} with a nonce`);
  }
  t.equal(
    (await closed.app.inject({ url: '/jobs', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).statusCode,
    200,
    'a bearer token reads',
  );
  t.equal((await closed.app.inject({ url: '/healthz' })).statusCode, 200, 'probes stay open');
  t.equal((await closed.nonces.list())[0]?.uses, 0, 'reading spends no nonce use');
});
