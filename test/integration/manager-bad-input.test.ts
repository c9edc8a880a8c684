import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { DeadLetter } from '../../ports/event-bus.js';
import { makeStream } from '../helpers/event-stream.js';
import { snapshotJobs, waitForVersions } from '../helpers/job-snapshot.js';
import { badMessages } from '../helpers/bad-messages.js';
import { ManagerRig, type RigKind } from '../helpers/manager-rig.js';
import { scaled, scaledMs, scenarioFileTimeoutMs } from '../helpers/scale.js';
import { serviceUrl } from '../helpers/services.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const rigs: Array<{ name: string; kind: RigKind | { skip: string } }> = [
  { name: 'embedded bus + SQLite', kind: { bus: 'local', store: 'sqlite' } },
  { name: 'AMQP + SQLite', kind: 'url' in amqp ? { bus: { amqp: amqp.url }, store: 'sqlite' } : amqp },
];

t.setTimeout(scenarioFileTimeoutMs());

// 200 at PJM_TEST_SCALE=1: every way of refusing a message a dozen times over, 2 MB bodies included.
const BAD = scaled(200);

/** What the manager must have known of each refused message's token. */
const TOKEN_CHECK: Readonly<Record<string, string>> = {
  unknown_job: 'verified',
  illegal_transition: 'verified',
  token_missing: 'refused',
  token_invalid: 'refused',
  token_expired: 'refused',
};

/** Every token-shaped string, and every `"token":` member with a value, in a body. */
const TOKEN_IN_CLEAR = /[0-9a-z]{1,12}\.[A-Za-z0-9_-]{43}|"token"\s*:\s*"[^"]/;

for (const { name, kind } of rigs) {
  if ('skip' in kind) {
    t.test(name, { skip: kind.skip }, () => {});
    continue;
  }
  t.test(
    `${name}: ${BAD.toLocaleString('en-US')} bad messages are dead-lettered with their reason codes and change nothing`,
    async (t) => {
      const rig = new ManagerRig(kind);
      t.teardown(() => rig.dispose());
      const jobs = makeStream({ jobs: 20, eventsPerJob: 4, tokens: rig.tokens });
      const running = jobs.slice(0, 10);
      const finished = jobs.slice(10);
      await rig.startManager();
      await rig.publish([...running.flatMap((j) => j.events.slice(0, 2)), ...finished.flatMap((j) => j.events)]);
      const store = await rig.store();
      const versions = new Map([
        ...running.map((j) => [j.uuid, 2] as const),
        ...finished.map((j) => [j.uuid, 4] as const),
      ]);
      t.equal(await waitForVersions(store, versions, 60_000), 0, 'setup jobs ready');
      const uuids = jobs.map((j) => j.uuid);
      const before = await snapshotJobs(store, uuids);

      const bad = badMessages(BAD, {
        running: running.map((j) => j.uuid),
        finished: finished.map((j) => j.uuid),
        tokens: rig.tokens,
      });
      const publisher = await rig.publisher();
      for (const [i, message] of bad.entries())
        await publisher.publish(message.body, { headers: { 'x-test-case': i } });

      const dead: DeadLetter[] = [];
      const deadline = Date.now() + scaledMs(120_000);
      while (dead.length < bad.length && Date.now() < deadline) {
        const batch = await publisher.drainDeadLetters(500);
        dead.push(...batch);
        if (batch.length === 0) await new Promise((r) => setTimeout(r, 200));
      }
      t.equal(dead.length, BAD, 'every bad message dead-lettered');
      const wrong = dead.filter((d) => d.reason.code !== bad[Number(d.headers['x-test-case'])]?.code);
      t.same(
        wrong.slice(0, 5).map((d) => ({
          case: d.headers['x-test-case'],
          got: d.reason.code,
          want: bad[Number(d.headers['x-test-case'])]?.code,
        })),
        [],
        'each with the reason code of its fault',
      );
      t.ok(
        dead.every((d) => d.reason.message.length > 0),
        'each with a reason message',
      );
      t.same(
        dead
          .filter((d) => TOKEN_IN_CLEAR.test(d.body.toString('latin1')))
          .slice(0, 3)
          .map((d) => d.body.toString('latin1').slice(0, 200)),
        [],
        'no dead letter keeps a token, whatever its fault',
      );
      const markers = dead.filter((d) => d.reason.token !== (TOKEN_CHECK[d.reason.code] ?? 'unchecked'));
      t.same(
        markers.slice(0, 5).map((d) => ({ code: d.reason.code, token: d.reason.token })),
        [],
        'each says whether its token was verified',
      );
      const readable = dead
        .filter((d) => d.reason.code === 'illegal_transition')
        .map((d) => JSON.parse(d.body.toString('utf8')) as Record<string, unknown>);
      t.ok(
        readable.length > 0 &&
          readable.every(
            (m) => typeof m['id'] === 'string' && typeof m['uuid'] === 'string' && m['name'] !== undefined,
          ),
        'a refused event keeps what a replay needs: its id, job and name',
      );
      t.equal(new Set(dead.map((d) => d.headers['x-test-case'])).size, BAD, 'each exactly once');
      t.same(await snapshotJobs(store, uuids), before, 'no job changed');
      t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'no prototype polluted');

      const probe = running[0];
      await rig.publish([
        {
          id: randomUUID(),
          uuid: probe?.uuid ?? '',
          name: 'update',
          token: rig.tokens.issue(probe?.uuid ?? '', new Date()),
          data: { after: 'bad' },
        },
      ]);
      t.equal(
        await waitForVersions(store, new Map([[probe?.uuid ?? '', 3]]), 10_000),
        0,
        'the manager still runs and applies good events',
      );
    },
  );
}
