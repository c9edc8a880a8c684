import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import t from 'tap';
import { jobUuid } from '../../../model/job-identity.js';
import { versionConflict } from '../../../model/event-outcome.js';
import type { Delivery, EventBus } from '../../../ports/event-bus.js';
import type { JobStore } from '../../../ports/job-store.js';
import { eventually, intercept, startManagerOnFakes, type ManagerOnFakes } from '../../helpers/manager-on-fakes.js';

// The manager's side of every message: how it settles it on the bus (ack, retry later, dead
// letter, hand back), what it answers a requester, what it announces, logs and counts. The rules
// that decide an event's fate (tokens, creators, the machine) are in decide-event.test.ts.

/** Creates a job through the manager; its uuid and token. */
async function create(
  rig: ManagerOnFakes,
  data: Record<string, unknown> = { n: randomUUID() },
): Promise<{ uuid: string; token: string }> {
  const reply = await rig.ask({ name: 'create', pipeline: 'unit', data });
  return { uuid: String(reply['uuid']), token: String(reply['token']) };
}

t.test(
  'an applied create is committed with its history, announced, answered with uuid and token, and acked',
  async (t) => {
    const rig = await startManagerOnFakes(t);
    const reply = await rig.ask({ name: 'create', pipeline: 'unit', data: { n: 1 }, owner: 'ana' });
    const uuid = jobUuid('unit', { n: 1 });
    t.match(reply, { outcome: 'applied', uuid, state: 'CREATED', version: 1, token: /\./, archivePath: /./ });
    t.doesNotThrow(
      () => rig.tokens.verify(uuid, String(reply['token']), new Date()),
      'the answered token is good for the job',
    );
    t.match(await rig.store.get(uuid), {
      state: 'CREATED',
      version: 1,
      owner: 'ana',
      creator: 'bus',
      archivePath: reply['archivePath'],
    });
    const history = await rig.store.history(uuid);
    t.match(history, [{ name: 'create', version: 1, source: 'amqp', data: { n: 1 } }]);
    t.ok(await eventually(() => rig.notifications.length === 1));
    t.same(rig.notifications, [
      {
        uuid,
        pipeline: 'unit',
        state: 'CREATED',
        previousState: 'NONE',
        version: 1,
        event: 'create',
        eventId: history[0]?.id,
        date: history[0]?.date,
      },
    ]);
    t.equal(await rig.counted('applied'), 1);
    t.same(await rig.stopAndDrain(), [], 'nothing left on the bus: the message was acked');
  },
);

t.test(
  'an applied event moves the job, is announced with the state it left, and is answered without a token',
  async (t) => {
    const rig = await startManagerOnFakes(t);
    const job = await create(rig);
    const id = randomUUID();
    const reply = await rig.ask({
      id,
      name: 'run',
      uuid: job.uuid,
      token: job.token,
      data: { host: 'n1' },
      detail: { step: 'EXPOSING' },
      source: 'slurm',
    });
    t.same(reply, { outcome: 'applied', uuid: job.uuid, state: 'RUNNING', version: 2 });
    t.match(await rig.store.get(job.uuid), {
      state: 'RUNNING',
      version: 2,
      lastEvent: 'run',
      detail: { step: 'EXPOSING' },
    });
    t.match((await rig.store.history(job.uuid))[1], {
      id,
      name: 'run',
      state: 'RUNNING',
      version: 2,
      data: { host: 'n1' },
      source: 'slurm',
    });
    t.ok(await eventually(() => rig.notifications.length === 2));
    t.match(rig.notifications[1], {
      uuid: job.uuid,
      state: 'RUNNING',
      previousState: 'CREATED',
      version: 2,
      event: 'run',
      eventId: id,
    });
    t.same(await rig.stopAndDrain(), []);
  },
);

t.test(
  'a duplicate is acked and answered with the current state; nothing changes and nothing is announced',
  async (t) => {
    const rig = await startManagerOnFakes(t);
    const job = await create(rig);
    const run = { id: randomUUID(), name: 'run', uuid: job.uuid, token: job.token };
    t.match(await rig.ask(run), { outcome: 'applied', version: 2 });
    t.match(await rig.ask({ name: 'finish', uuid: job.uuid, token: job.token }), {
      outcome: 'applied',
      state: 'FINISHED',
      version: 3,
    });
    t.same(
      await rig.ask(run),
      { outcome: 'duplicate', uuid: job.uuid, state: 'FINISHED', version: 3 },
      'a replay that is illegal by now is still a duplicate',
    );
    t.equal((await rig.store.history(job.uuid)).length, 3, 'no entry for the replay');
    t.equal(await rig.counted('duplicate'), 1);
    t.ok(await eventually(() => rig.notifications.length === 3));
    t.same(
      rig.notifications.map((n) => n.event),
      ['create', 'run', 'finish'],
      'the duplicate was not announced',
    );
    t.same(await rig.stopAndDrain(), [], 'the duplicate was acked');
    t.same(await rig.deadLetters(1, 50), [], 'not dead-lettered');
  },
);

t.test('the same bytes delivered twice without an id are one event', async (t) => {
  const rig = await startManagerOnFakes(t);
  const job = await create(rig);
  const bytes = Buffer.from(JSON.stringify({ name: 'update', uuid: job.uuid, token: job.token, data: { pct: 50 } }));
  t.match(await rig.ask(bytes), { outcome: 'applied', version: 2 });
  t.match(await rig.ask(bytes), { outcome: 'duplicate', version: 2 });
  const other = Buffer.from(JSON.stringify({ name: 'update', uuid: job.uuid, token: job.token, data: { pct: 60 } }));
  t.match(await rig.ask(other), { outcome: 'applied', version: 3 }, 'other bytes are another event');
});

t.test('an event ahead of its prerequisite is retried later and applies once the prerequisite has', async (t) => {
  const rig = await startManagerOnFakes(t);
  const data = { n: randomUUID() };
  const uuid = jobUuid('unit', data);
  const token = rig.tokens.forJob(uuid, 'bus');
  await rig.post({ name: 'run', uuid, token });
  t.ok(await eventually(async () => (await rig.counted('deferred', 'unknown_job')) >= 1), 'deferred: no such job yet');
  await rig.post({ name: 'finish', uuid, token });
  t.ok(await eventually(async () => (await rig.counted('deferred')) >= 2));
  await rig.post({ name: 'create', pipeline: 'unit', data });
  t.ok(
    await eventually(async () => (await rig.store.get(uuid))?.state === 'FINISHED'),
    'run and finish applied after the create',
  );
  t.same(
    (await rig.store.history(uuid)).map((h) => h.name),
    ['create', 'run', 'finish'],
  );
  t.same(await rig.deadLetters(1, 100), [], 'nothing dead-lettered');
  t.same(await rig.stopAndDrain(), [], 'and nothing left waiting');
});

t.test('a sequenced event past a gap waits for the events before it', async (t) => {
  const rig = await startManagerOnFakes(t);
  const job = await create(rig);
  await rig.post({ name: 'update', uuid: job.uuid, token: job.token, seq: 2, data: { step: 2 } });
  t.ok(await eventually(async () => (await rig.counted('deferred', 'sequence_gap')) >= 1));
  t.match(await rig.ask({ name: 'run', uuid: job.uuid, token: job.token, seq: 1 }), { outcome: 'applied', version: 2 });
  t.ok(await eventually(async () => (await rig.store.get(job.uuid))?.version === 3));
  t.match(await rig.store.get(job.uuid), { seq: 2, state: 'RUNNING' });
  t.same(
    (await rig.store.history(job.uuid)).map((h) => h.seq ?? null),
    [null, 1, 2],
  );
});

t.test(
  'an event whose prerequisite never comes is dead-lettered when the retries run out, without its token',
  async (t) => {
    const rig = await startManagerOnFakes(t, { manager: { deferDelaysMs: [5, 5] } });
    const uuid = jobUuid('unit', { never: true });
    const token = rig.tokens.forJob(uuid, 'bus');
    const id = randomUUID();
    const reply = await rig.ask(
      { id, name: 'run', uuid, token },
      { routingKey: 'unit.run', headers: { 'x-trace': 'abc' } },
    );
    t.match(reply, { outcome: 'rejected', error: { code: 'unknown_job', message: /gave up after 2 retries/ } });
    const [dead] = await rig.deadLetters(1);
    t.match(dead, {
      routingKey: 'unit.run',
      headers: { 'x-trace': 'abc' },
      attempts: 2,
      reason: { code: 'unknown_job', token: 'verified' },
    });
    t.same(JSON.parse(String(dead?.body)), { id, name: 'run', uuid }, 'kept without its token');
    t.equal(await rig.counted('deferred', 'unknown_job'), 2);
    t.equal(await rig.counted('rejected', 'unknown_job'), 1);
  },
);

t.test(
  'a message that is not a valid event is dead-lettered with its reason and answered; nothing is stored',
  async (t) => {
    const rig = await startManagerOnFakes(t, { manager: { limits: { maxBytes: 2048, maxDepth: 4, maxKeys: 40 } } });
    const uuid = randomUUID();
    const cases: Array<[string, Buffer]> = [
      ['malformed_json', Buffer.from('{"name":')],
      ['malformed_json', Buffer.from([0x7b, 0xff, 0x7d])],
      ['not_an_object', Buffer.from('[1]')],
      ['payload_too_large', Buffer.from(JSON.stringify({ name: 'update', uuid, data: { x: 'y'.repeat(3000) } }))],
      ['too_deep', Buffer.from(JSON.stringify({ name: 'update', uuid, data: { a: { b: { c: { d: {} } } } } }))],
      [
        'too_many_keys',
        Buffer.from(
          JSON.stringify({
            name: 'update',
            uuid,
            data: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i])),
          }),
        ),
      ],
      ['schema_violation', Buffer.from(JSON.stringify({ name: 'run' }))],
      ['unknown_event', Buffer.from(JSON.stringify({ name: 'explode', uuid }))],
    ];
    for (const [code, bytes] of cases) {
      t.match(await rig.ask(bytes), { outcome: 'rejected', error: { code, message: /./ } }, `answered ${code}`);
    }
    const dead = await rig.deadLetters(cases.length);
    t.same(
      dead.map((d) => [d.reason.code, d.reason.token]),
      cases.map(([code]) => [code, 'unchecked']),
      'one dead letter each, in order, its token unchecked',
    );
    t.same(dead[0]?.body, cases[0]?.[1], 'a body that is not JSON is kept as it came');
    t.equal(await rig.counted('rejected'), cases.length);
    t.same((await rig.store.list()).jobs, [], 'no job was made');
  },
);

t.test('a message without a reply address is settled the same way, and nothing is answered', async (t) => {
  const rig = await startManagerOnFakes(t);
  await rig.post(Buffer.from('not json'));
  const [dead] = await rig.deadLetters(1);
  t.match(dead, { reason: { code: 'malformed_json' } });
  await rig.post({ name: 'create', pipeline: 'unit', data: { quiet: true } });
  t.ok(await eventually(async () => (await rig.store.get(jobUuid('unit', { quiet: true }))) !== undefined));
  t.same(await rig.stopAndDrain(), []);
});

/** The store with `get` failing `times` times (an unreachable database), then working. */
function failingGets(times: number): (store: JobStore) => JobStore {
  let left = times;
  return (store) =>
    intercept(store, {
      get: async (uuid: string) => {
        if (left-- > 0) throw new Error('connection refused');
        return store.get(uuid);
      },
    });
}

t.test('a store failure is retried with backoff while the message stays unsettled, then applied once', async (t) => {
  const rig = await startManagerOnFakes(t, { wrapStore: failingGets(3) });
  const job = await create(rig);
  t.match(await rig.ask({ name: 'run', uuid: job.uuid, token: job.token }), {
    outcome: 'applied',
    state: 'RUNNING',
    version: 2,
  });
  t.equal(await rig.counted('transient'), 3, 'each failure counted');
  t.equal(rig.logs.filter((l) => l.level === 'warn' && l.fields['outcome'] === 'transient').length, 3, 'and logged');
  t.equal((await rig.store.history(job.uuid)).length, 2, 'applied once');
  t.same(await rig.deadLetters(1, 100), [], 'not dead-lettered');
});

t.test('a create whose write fails is retried the same way, and the job is made once', async (t) => {
  let failures = 2;
  const rig = await startManagerOnFakes(t, {
    wrapStore: (store) =>
      intercept<JobStore>(store, {
        create: async (record) => {
          if (failures-- > 0) throw new Error('connection refused');
          return store.create(record);
        },
      }),
  });
  t.match(await rig.ask({ name: 'create', pipeline: 'unit', data: { retried: true } }), {
    outcome: 'applied',
    state: 'CREATED',
    token: /\./,
  });
  t.equal(await rig.counted('transient'), 2);
  t.equal((await rig.store.list()).jobs.length, 1);
  t.equal((await rig.store.history(jobUuid('unit', { retried: true }))).length, 1);
});

t.test('a job that keeps changing under the manager is retried as a transient failure, not refused', async (t) => {
  let conflicts = 150;
  const rig = await startManagerOnFakes(t, {
    wrapStore: (store) =>
      intercept<JobStore>(store, {
        apply: async (command) => {
          if (conflicts-- <= 0) return store.apply(command);
          return versionConflict(command.uuid);
        },
      }),
  });
  const job = await create(rig);
  t.match(await rig.ask({ name: 'run', uuid: job.uuid, token: job.token }), { outcome: 'applied', state: 'RUNNING' });
  t.ok((await rig.counted('transient')) >= 1, 'the conflicts were retried');
  t.same(await rig.deadLetters(1, 100), []);
});

t.test('stopping while the store is down hands the message back to the bus', async (t) => {
  const rig = await startManagerOnFakes(t, { wrapStore: failingGets(Number.POSITIVE_INFINITY) });
  const uuid = randomUUID();
  await rig.post({ name: 'run', uuid, token: rig.tokens.forJob(uuid, 'bus') });
  t.ok(await eventually(async () => (await rig.counted('transient')) >= 2));
  const left = await rig.stopAndDrain();
  t.equal(left.length, 1, 'the message is back on the bus');
  t.match(left[0], { redelivered: true });
  t.match(JSON.parse(String(left[0]?.body)), { name: 'run', uuid });
  t.same(await rig.deadLetters(1, 50), [], 'not dead-lettered');
});

t.test(
  'stop finishes the events already taken; the others stay on the bus, none lost and none out of order',
  async (t) => {
    const slowApply = (store: JobStore): JobStore =>
      intercept<JobStore>(store, { apply: async (command) => setTimeout(10).then(() => store.apply(command)) });
    const rig = await startManagerOnFakes(t, { manager: { prefetch: 5 }, wrapStore: slowApply });
    const job = await create(rig);
    for (let i = 0; i < 30; i++) await rig.post({ name: 'update', uuid: job.uuid, token: job.token, data: { i } });
    await eventually(async () => (await rig.store.get(job.uuid))?.version === 4);
    const left = await rig.stopAndDrain();
    const applied = (await rig.store.history(job.uuid)).slice(1).map((h) => (h.data as { i: number }).i);
    const waiting = left.map((d) => (JSON.parse(String(d.body)) as { data: { i: number } }).data.i);
    t.ok(applied.length >= 3 && waiting.length >= 1, `some applied (${applied.length}), some left (${waiting.length})`);
    t.same(
      [...applied, ...waiting],
      Array.from({ length: 30 }, (_, i) => i),
      'applied in delivery order, the rest waiting in order',
    );
  },
);

/** The bus with deliveries whose settling and bus calls fail after the commit. */
function failingAfterCommit(
  bus: EventBus,
  fail: { ack?: boolean; deadLetter?: boolean; publishState?: boolean; reply?: boolean },
): EventBus {
  const broken = () => Promise.reject(new Error('channel closed'));
  return intercept(bus, {
    consume: (handler, options) =>
      bus.consume(
        (d: Delivery) =>
          handler({
            ...d,
            ...(fail.ack === true && { ack: broken }),
            ...(fail.deadLetter === true && { deadLetter: broken }),
          }),
        options,
      ),
    ...(fail.publishState === true && { publishState: broken }),
    ...(fail.reply === true && { reply: broken }),
  });
}

t.test(
  'an ack or notification that fails after the commit is logged; the event stays applied and is still answered',
  async (t) => {
    const rig = await startManagerOnFakes(t, {
      wrapBus: (bus) => failingAfterCommit(bus, { ack: true, publishState: true }),
    });
    const reply = await rig.ask({ name: 'create', pipeline: 'unit', data: { n: 2 } });
    t.match(reply, { outcome: 'applied', state: 'CREATED' });
    const uuid = String(reply['uuid']);
    t.match(await rig.store.get(uuid), { version: 1 });
    const failures = rig.logs.filter((l) => l.level === 'warn' && /after commit/.test(l.message));
    t.equal(failures.length, 2, 'the ack and the notification');
    t.same(rig.notifications, []);
    t.match(
      await rig.ask({ name: 'run', uuid, token: reply['token'] }),
      { outcome: 'applied', state: 'RUNNING' },
      'the manager goes on',
    );
  },
);

t.test('a dead letter that cannot be written is logged and the refusal still answered', async (t) => {
  const rig = await startManagerOnFakes(t, { wrapBus: (bus) => failingAfterCommit(bus, { deadLetter: true }) });
  t.match(await rig.ask(Buffer.from('[]')), { outcome: 'rejected', error: { code: 'not_an_object' } });
  t.ok(rig.logs.some((l) => l.level === 'warn' && /after commit/.test(l.message)));
  t.same(await rig.deadLetters(1, 50), []);
});

t.test('a reply that cannot be sent is logged; the event is applied and the next one handled', async (t) => {
  const rig = await startManagerOnFakes(t, { wrapBus: (bus) => failingAfterCommit(bus, { reply: true }) });
  await rig.post({ name: 'create', pipeline: 'unit', data: { n: 3 } }, { replyTo: 'gone', correlationId: 'c1' });
  await rig.post({ name: 'create', pipeline: 'unit', data: { n: 4 } });
  t.ok(await eventually(async () => (await rig.store.get(jobUuid('unit', { n: 4 }))) !== undefined));
  t.ok(await rig.store.get(jobUuid('unit', { n: 3 })));
  t.equal(rig.logs.filter((l) => l.level === 'warn' && /after commit/.test(l.message)).length, 1);
});

t.test('queue lag is measured from x-pjm-published-at, and every settled message is timed', async (t) => {
  const rig = await startManagerOnFakes(t);
  await rig.ask(
    { name: 'create', pipeline: 'unit', data: { lag: 1 } },
    { headers: { 'x-pjm-published-at': Date.now() - 2000 } },
  );
  await rig.ask({ name: 'create', pipeline: 'unit', data: { lag: 2 } });
  await rig.ask(Buffer.from('{'));
  const lag = (await rig.metrics.queueLag.get()).values;
  t.equal(
    lag.find((v) => v.metricName === 'pjm_manager_queue_lag_seconds_count')?.value,
    1,
    'only the stamped message',
  );
  t.ok((lag.find((v) => v.metricName === 'pjm_manager_queue_lag_seconds_sum')?.value ?? 0) >= 2, 'about two seconds');
  const latency = (await rig.metrics.applyLatency.get()).values;
  t.equal(latency.find((v) => v.metricName === 'pjm_manager_apply_seconds_count')?.value, 3);
});

t.test('the manager logs each outcome with the job, the event and its id (applied ones at debug)', async (t) => {
  const rig = await startManagerOnFakes(t);
  const job = await create(rig);
  const id = randomUUID();
  await rig.ask({ id, name: 'cancel', uuid: job.uuid, token: job.token });
  await rig.ask({ id: randomUUID(), name: 'run', uuid: job.uuid, token: job.token });
  await rig.ask({ id: randomUUID(), name: 'cancel', uuid: job.uuid, token: job.token });
  t.match(
    rig.logs.filter((l) => l.fields['outcome'] !== undefined).map((l) => [l.level, l.fields]),
    [
      ['debug', { uuid: job.uuid, event: 'create', outcome: 'applied', state: 'CREATED', version: 1 }],
      ['debug', { uuid: job.uuid, eventId: id, event: 'cancel', outcome: 'applied', state: 'CANCELLED', version: 2 }],
      ['warn', { uuid: job.uuid, event: 'run', outcome: 'rejected', code: 'illegal_transition' }],
      ['warn', { uuid: job.uuid, event: 'cancel', outcome: 'rejected', code: 'illegal_transition' }],
    ],
  );
  t.equal(rig.logs.filter((l) => JSON.stringify(l).includes(job.token)).length, 0, 'no log line holds the token');
});
