import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { AmqpEventBus } from '../../adapters/bus/amqp/amqp-event-bus.js';
import { LocalEventBus } from '../../adapters/bus/local/local-event-bus.js';
import { main } from '../../cli/main.js';
import { jobUuid } from '../../model/job-identity.js';
import { JobTokens } from '../../model/job-tokens.js';
import type { EventBus } from '../../ports/event-bus.js';
import { badMessages } from '../helpers/bad-messages.js';
import { capture } from '../helpers/capture.js';
import { makeStream } from '../helpers/event-stream.js';
import { TEST_SECRET } from '../helpers/manager-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { scaled, scaledMs, scenarioFileTimeoutMs } from '../helpers/scale.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';

t.setTimeout(scenarioFileTimeoutMs());

// 1,000 at PJM_TEST_SCALE=1: every way of refusing a message, about 65 times over.
const BAD = scaled(1000, 15);
const ADMIN = 'dead-letters-admin-token-0123456789';
const FIXUP_PIPELINE = 'dead-fixup';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const mongo = process.env['PJM_TEST_MONGO_URL'];

interface Rig {
  readonly name: string;
  readonly skip?: string;
  /** The server's environment beyond the data directory. */
  env(): Record<string, string>;
  /** A bus on the server's queues, for publishing as an outside producer does. */
  publisher(dir: string, env: Record<string, string>): EventBus;
}

const rigs: Rig[] = [
  {
    name: 'embedded bus (bus.db) + SQLite',
    env: () => ({}),
    publisher: (dir) => new LocalEventBus({ path: join(dir, 'bus.db') }),
  },
  {
    name: `RabbitMQ + ${mongo === undefined || mongo === '' ? 'SQLite' : 'MongoDB'}`,
    ...('skip' in amqp && { skip: amqp.skip }),
    env: () => ({
      PJM_AMQP_URL: 'url' in amqp ? amqp.url : '',
      PJM_AMQP_PREFIX: uniqueName('dead'),
      ...(mongo !== undefined && mongo !== '' && { PJM_MONGO_URL: mongo, PJM_MONGO_DB: uniqueName('pjm_dead') }),
    }),
    publisher: (_dir, env) =>
      new AmqpEventBus({ url: env['PJM_AMQP_URL'] ?? '', prefix: env['PJM_AMQP_PREFIX'] ?? '' }),
  },
];

/** `pjm …` in this process against the server at `url`, with the admin token. */
async function pjm(url: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await main(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { PJM_URL: url, PJM_API_TOKENS: ADMIN },
  });
  return { code, out: out.text(), err: err.text() };
}

/** `pjm dead ls --json`: the waiting dead letters per code. */
async function counts(url: string): Promise<{ total: number; codes: Record<string, number> }> {
  const { out } = await pjm(url, 'dead', 'ls', '--json');
  const body = JSON.parse(out) as { total: number; codes: Array<{ code: string; count: number }> };
  return { total: body.total, codes: Object.fromEntries(body.codes.map((c) => [c.code, c.count])) };
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(250);
  }
}

async function job(url: string, uuid: string): Promise<{ state: string; version: number } | undefined> {
  const answer = await fetch(`${url}/jobs/${uuid}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return answer.ok ? ((await answer.json()) as { state: string; version: number }) : undefined;
}

async function history(url: string, uuid: string): Promise<Array<{ name: string; id: string }>> {
  const answer = await fetch(`${url}/jobs/${uuid}/history`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await answer.json()) as { history: Array<{ name: string; id: string }> }).history;
}

async function scenario(t: Test, rig: Rig): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-dead-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    ...rig.env(),
    PJM_DATA_DIR: dir,
    PJM_SECRET: TEST_SECRET,
    PJM_API_TOKENS: ADMIN,
    // An event for a job that does not exist yet is retried once, briefly, before it dies.
    PJM_DEFER_DELAYS_MS: '10',
    PJM_DEAD_LETTERS_SWEEP_MS: '200',
  };
  const { url } = await startPjmService(t, 'serve', env);
  const publisher = rig.publisher(dir, env);
  await publisher.start();
  t.teardown(async () => {
    await publisher.close();
    if (publisher instanceof AmqpEventBus) await publisher.deleteTopology();
  });
  const tokens = new JobTokens(TEST_SECRET);

  const jobs = makeStream({ jobs: 20, eventsPerJob: 4, tokens });
  const running = jobs.slice(0, 10);
  const finished = jobs.slice(10);
  const setup = [...running.flatMap((j) => j.events.slice(0, 2)), ...finished.flatMap((j) => j.events)];
  for (const event of setup) await publisher.publish(Buffer.from(JSON.stringify(event)));
  const last = jobs.at(-1)?.uuid ?? '';
  await waitFor(
    () => job(url, last),
    (j) => j?.version === 4,
    30_000,
  );

  const bad = badMessages(BAD, {
    running: running.map((j) => j.uuid),
    finished: finished.map((j) => j.uuid),
    tokens,
    unknown: (i) => jobUuid(FIXUP_PIPELINE, { n: i }),
    oversizedBytes: 300_000,
  });
  const expected: Record<string, number> = {};
  for (const message of bad) expected[message.code] = (expected[message.code] ?? 0) + 1;
  for (const [i, message] of bad.entries()) await publisher.publish(message.body, { headers: { 'x-test-case': i } });

  const listed = await waitFor(
    () => counts(url),
    (c) => c.total >= BAD,
    scaledMs(180_000),
  );
  t.same(listed.codes, expected, `pjm dead ls: ${BAD} dead letters grouped by code, with the right counts`);
  const table = await pjm(url, 'dead', 'ls');
  t.match(table.out, new RegExp(`unknown_job\\s+${expected['unknown_job']}\\n`), 'the table shows the counts');
  t.match(table.out, new RegExp(`total\\s+${BAD}\\n`), 'and the total');

  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.match(
    metrics,
    new RegExp(`pjm_dead_letters\\{code="illegal_transition"\\} ${expected['illegal_transition']}\\n`),
    'the depth per code is a Prometheus gauge',
  );

  // Fix up one class: create the jobs the unknown_job events were for.
  const unknownCases = bad.flatMap((m, i) => (m.code === 'unknown_job' ? [i] : []));
  for (const i of unknownCases) {
    await publisher.publish(Buffer.from(JSON.stringify({ name: 'create', pipeline: FIXUP_PIPELINE, data: { n: i } })));
  }
  const fixed = unknownCases.map((i) => jobUuid(FIXUP_PIPELINE, { n: i }));
  await waitFor(
    () => job(url, fixed.at(-1) ?? ''),
    (j) => j?.version === 1,
    30_000,
  );

  const first = await pjm(url, 'dead', 'replay', '--code', 'unknown_job');
  t.equal(first.code, 0, first.err);
  t.match(first.out, `replayed ${unknownCases.length} dead letter(s) of unknown_job`);
  const second = await pjm(url, 'dead', 'replay', '--code', 'unknown_job');
  t.match(second.out, 'replayed 0 dead letter(s) of unknown_job', 'a second replay finds none left to send');

  const states = await waitFor(
    () => Promise.all(fixed.map((uuid) => job(url, uuid))),
    (all) => all.every((j) => j?.state === 'RUNNING'),
    scaledMs(60_000),
  );
  t.ok(
    states.every((j) => j?.state === 'RUNNING' && j.version === 2),
    'each replayed event applied: every fixed-up job is RUNNING at version 2',
  );
  const runs = await Promise.all(fixed.map(async (uuid) => (await history(url, uuid)).filter((e) => e.name === 'run')));
  t.ok(
    runs.every((r) => r.length === 1),
    'exactly once each',
  );

  const replayedIds = JSON.parse(
    `[${(await pjm(url, 'dead', 'ls', '--list', '--replayed', '--code', 'unknown_job', '--json')).out
      .trim()
      .split('\n')
      .join(',')}]`,
  ) as Array<{ id: string; replayedAt?: string; eventId?: string }>;
  t.equal(replayedIds.length, unknownCases.length, 'the replayed letters are kept, marked');
  t.ok(
    replayedIds.every((l) => l.replayedAt !== undefined),
    'each with the time it was replayed',
  );
  const again = await pjm(url, 'dead', 'replay', replayedIds[0]?.id ?? '');
  t.equal(again.code, 3, 'replaying one of them again is refused');
  t.match(again.err, 'dead_letter_replayed');
  t.same(
    runs.map((r) => r[0]?.id).sort(),
    replayedIds.map((l) => l.eventId).sort(),
    'each applied event has its dead letter’s event id',
  );

  // A still-bad class comes back with its reason; the others stay.
  const illegal = await pjm(url, 'dead', 'replay', '--code', 'illegal_transition');
  t.match(illegal.out, `replayed ${expected['illegal_transition']} dead letter(s)`);
  const rest = Object.fromEntries(Object.entries(expected).filter(([code]) => code !== 'unknown_job'));
  const after = await waitFor(
    () => counts(url),
    (c) => c.codes['illegal_transition'] === expected['illegal_transition'],
    scaledMs(60_000),
  );
  t.same(after.codes, rest, 'unknown_job gone; the others stay, illegal transitions back with their reason');

  const token = await pjm(url, 'dead', 'replay', '--code', 'token_missing');
  t.match(
    token.err,
    `${expected['token_missing']} left waiting`,
    'unverified letters are not replayed without --force',
  );

  // Every malformed letter was counted above, so each died before now (a duration back, e.g. 1s,
  // would leave those of the last second).
  const purge = await pjm(url, 'dead', 'purge', '--code', 'malformed_json', '--before', new Date().toISOString());
  t.equal(purge.out, `purged ${expected['malformed_json']} dead letter(s)\n`);
  t.equal((await counts(url)).codes['malformed_json'], undefined, 'purged');
}

for (const rig of rigs) {
  if (rig.skip !== undefined) {
    t.test(rig.name, { skip: rig.skip }, () => {});
    continue;
  }
  t.test(`${rig.name}: fuzzed bad messages → pjm dead ls by code → fix up one class → replay once`, (t) =>
    scenario(t, rig),
  );
}
