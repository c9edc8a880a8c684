import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { DeadLetters } from '../../../../actors/dead-letters.js';
import { LocalEventBus } from '../../../../adapters/bus/local/local-event-bus.js';
import { SqliteDeadLetterStore } from '../../../../adapters/dead-letters/sqlite-dead-letter-store.js';
import { JobTokens } from '../../../../model/job-tokens.js';
import type { Delivery } from '../../../../ports/event-bus.js';
import { silentLogger } from '../../../../ports/logger.js';
import { ADMIN_TOKEN, startHttpRig, type HttpRig } from '../../../helpers/http-rig.js';
import { TEST_SECRET } from '../../../helpers/manager-rig.js';

const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

/**
 * The app with the dead-letter routes over a SQLite record, on an embedded bus whose consumer
 * stands in for a manager that refuses everything: it dead-letters each message with the code and
 * token check its `x-code` and `x-token` headers name, and keeps what it was handed.
 */
async function rig(t: Test): Promise<{ http: HttpRig; seen: Delivery[] }> {
  const bus = new LocalEventBus({ path: ':memory:' });
  await bus.start();
  const store = new SqliteDeadLetterStore({ path: ':memory:' });
  await store.init();
  const tokens = new JobTokens(TEST_SECRET);
  const deadLetters = new DeadLetters({ bus, store, tokens, logger: silentLogger });
  const http = await startHttpRig({ bus, tokens, deadLetters });
  const seen: Delivery[] = [];
  const refuser = await bus.consume((d) => {
    seen.push(d);
    const token = d.headers['x-token'] === 'verified' ? 'verified' : 'unchecked';
    void d.deadLetter({ code: String(d.headers['x-code']), message: 'refused', token });
  });
  t.teardown(async () => {
    await refuser.stop();
    await http.close();
    await store.close();
  });
  return { http, seen };
}

async function deadCount(http: HttpRig, total: number): Promise<{ total: number; codes: unknown[] }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = (await http.app.inject({ method: 'GET', url: '/dead', headers: ADMIN })).json<{
      total: number;
      codes: unknown[];
    }>();
    if (answer.total >= total || Date.now() > deadline) return answer;
    await sleep(50);
  }
}

t.test('the /dead routes: admin only, counts, a page, one letter, replay once, force, purge', async (t) => {
  const { http, seen } = await rig(t);
  const uuid = randomUUID();
  const eventId = randomUUID();
  await http.bus.publish(Buffer.from(JSON.stringify({ id: eventId, name: 'run', uuid })), {
    headers: { 'x-code': 'unknown_job', 'x-token': 'verified' },
    routingKey: 'p.run',
  });
  await http.bus.publish(Buffer.from('{"name": "run", "uuid": '), { headers: { 'x-code': 'malformed_json' } });
  await http.bus.publish(Buffer.from([0xff, 0xfe]), { headers: { 'x-code': 'malformed_json' } });

  for (const headers of [{}, { authorization: 'Bearer nope' }]) {
    const refused = await http.app.inject({ method: 'GET', url: '/dead', headers });
    t.not(refused.statusCode, 200, 'needs the admin bearer token');
  }
  const counted = await deadCount(http, 3);
  t.same(counted, {
    total: 3,
    codes: [
      { code: 'malformed_json', count: 2 },
      { code: 'unknown_job', count: 1 },
    ],
  });

  const page = (await http.app.inject({ method: 'GET', url: '/dead/letters?limit=2', headers: ADMIN })).json<{
    letters: Array<Record<string, unknown>>;
    nextCursor?: string;
  }>();
  t.equal(page.letters.length, 2);
  t.match(page.letters[0], { code: 'unknown_job', uuid, event: 'run', token: 'verified' });
  t.notOk('body' in (page.letters[0] ?? {}), 'a page shows no bodies');
  const rest = (
    await http.app.inject({
      method: 'GET',
      url: `/dead/letters?limit=2&cursor=${page.nextCursor ?? ''}`,
      headers: ADMIN,
    })
  ).json<{ letters: Array<Record<string, unknown>>; nextCursor?: string }>();
  t.equal(rest.letters.length, 1, 'the cursor pages on');
  t.equal(rest.nextCursor, undefined);

  const unknown = String(page.letters[0]?.['id']);
  const shown = (await http.app.inject({ method: 'GET', url: `/dead/${unknown}`, headers: ADMIN })).json<{
    body: string;
    bodyEncoding: string;
  }>();
  t.equal(shown.bodyEncoding, 'utf8');
  const binary = String(rest.letters[0]?.['id']);
  t.match((await http.app.inject({ method: 'GET', url: `/dead/${binary}`, headers: ADMIN })).json(), {
    bodyEncoding: 'base64',
    body: Buffer.from([0xff, 0xfe]).toString('base64'),
  });
  t.equal((await http.app.inject({ method: 'GET', url: `/dead/${randomUUID()}`, headers: ADMIN })).statusCode, 404);

  const unverified = String(page.letters[1]?.['id']);
  const refused = await http.app.inject({ method: 'POST', url: `/dead/${unverified}/replay`, headers: ADMIN });
  t.equal(refused.statusCode, 409);
  t.equal(refused.json<{ error: { code: string } }>().error.code, 'dead_letter_unverified');
  const forced = await http.app.inject({
    method: 'POST',
    url: `/dead/${unverified}/replay?force=true`,
    headers: ADMIN,
  });
  t.equal(forced.statusCode, 202, 'forced');

  const replayed = await http.app.inject({ method: 'POST', url: `/dead/${unknown}/replay`, headers: ADMIN });
  t.equal(replayed.statusCode, 202);
  t.match(replayed.json(), { id: unknown, outcome: 'replayed' });
  const twice = await http.app.inject({ method: 'POST', url: `/dead/${unknown}/replay`, headers: ADMIN });
  t.equal(twice.json<{ error: { code: string } }>().error.code, 'dead_letter_replayed');
  const replays = (): Delivery[] => seen.filter((d) => d.headers['x-code'] === 'unknown_job');
  for (let i = 0; i < 200 && replays().length < 2; i++) await sleep(25);
  const again = replays()[1];
  t.match(again, { routingKey: 'p.run', headers: { 'x-code': 'unknown_job' } }, 'sent with its routing and headers');
  const body = JSON.parse(again?.body.toString() ?? '{}') as Record<string, unknown>;
  t.equal(body['id'], eventId, 'the same event id');
  t.ok(http.tokens.verify(uuid, String(body['token']), new Date()), 'with a fresh operator token for its job');

  // Both still bad: back with their reasons, as new letters.
  t.same((await deadCount(http, 3)).codes, [
    { code: 'malformed_json', count: 2 },
    { code: 'unknown_job', count: 1 },
  ]);
  const metrics = await http.app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);

  const purge = await http.app.inject({
    method: 'DELETE',
    url: `/dead?code=malformed_json&before=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`,
    headers: ADMIN,
  });
  t.same(purge.json(), { purged: 3 }, 'waiting and replayed alike');
  t.equal((await http.app.inject({ method: 'DELETE', url: '/dead', headers: ADMIN })).statusCode, 400, 'before needed');

  const openapi = (await http.app.inject({ method: 'GET', url: '/docs/json' })).json<{
    paths: Record<string, unknown>;
  }>();
  t.ok(
    ['/dead', '/dead/letters', '/dead/{id}', '/dead/{id}/replay', '/dead/replay'].every((p) => p in openapi.paths),
    'in the OpenAPI document',
  );
});

t.test('the dashboard counts dead letters per code; an admin replays a code, a reader cannot', async (t) => {
  const { http, seen } = await rig(t);
  for (let i = 0; i < 2; i++) {
    const body = Buffer.from(JSON.stringify({ id: randomUUID(), name: 'run', uuid: randomUUID() }));
    await http.bus.publish(body, { headers: { 'x-code': 'unknown_job', 'x-token': 'verified' }, routingKey: 'p.run' });
  }
  await deadCount(http, 2);
  const overview = await http.app.inject({ url: '/ui/', remoteAddress: '127.0.0.1' });
  t.match(overview.body, /<td class="mono">unknown_job<\/td>\s*<td>2<\/td>/, 'the reader sees the counts');
  t.notMatch(overview.body, 'action="/ui/dead/replay"', 'but no replay button');
  const admin = await http.app.inject({ url: '/ui/', headers: ADMIN, remoteAddress: '198.51.100.7' });
  t.match(admin.body, 'action="/ui/dead/replay"');
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const refused = await http.app.inject({
    method: 'POST',
    url: '/ui/dead/replay',
    headers: form,
    payload: 'code=unknown_job',
    remoteAddress: '127.0.0.1',
  });
  t.equal(refused.statusCode, 401, 'a reader cannot replay');
  const before = seen.length;
  const replayed = await http.app.inject({
    method: 'POST',
    url: '/ui/dead/replay',
    headers: { ...ADMIN, ...form },
    payload: 'code=unknown_job',
    remoteAddress: '198.51.100.7',
  });
  t.equal(replayed.statusCode, 200);
  t.match(replayed.body, 'Replayed 2 dead letters');
  const deadline = Date.now() + 10_000;
  while (seen.length < before + 2 && Date.now() < deadline) await sleep(50);
  t.equal(seen.length, before + 2, 'both went back to the events queue');
});
