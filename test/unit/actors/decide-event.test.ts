import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { jobUuid } from '../../../model/job-identity.js';
import { JobTokens } from '../../../model/job-tokens.js';
import { AS_USER, FAKES_SECRET, startManagerOnFakes, type ManagerOnFakes } from '../../helpers/manager-on-fakes.js';

// The rules that decide an event's fate — tokens, the creator a job is made for, the machine,
// event ids — seen from outside: what the manager answers, what it dead-letters (and with what it
// knew of the token), and what the store holds after. How each outcome is settled on the bus is in
// manager.test.ts.

async function create(
  rig: ManagerOnFakes,
  data: Record<string, unknown> = { n: randomUUID() },
): Promise<{ uuid: string; token: string }> {
  const reply = await rig.ask({ name: 'create', pipeline: 'rules', data });
  return { uuid: String(reply['uuid']), token: String(reply['token']) };
}

/** The reply is a refusal with `code`, its dead letter says `token`, and the job is still at `version`. */
async function refused(
  t: Test,
  rig: ManagerOnFakes,
  event: Record<string, unknown>,
  code: string,
  token: string,
  version?: number,
): Promise<void> {
  t.match(await rig.ask(event), { outcome: 'rejected', error: { code } }, `${String(event['name'])}: ${code}`);
  const [dead] = await rig.deadLetters(1);
  t.match(dead?.reason, { code, token }, `dead-lettered with ${code}, token ${token}`);
  t.notOk(String(dead?.body).includes('"token"'), 'the dead letter does not keep the token');
  if (version !== undefined && typeof event['uuid'] === 'string')
    t.equal((await rig.store.get(event['uuid']))?.version, version, 'the job is unchanged');
}

t.test(
  'job-scoped events need a good token: missing, forged, another job’s and expired ones are refused',
  async (t) => {
    const rig = await startManagerOnFakes(t);
    const job = await create(rig);
    const other = await create(rig);
    await refused(t, rig, { name: 'run', uuid: job.uuid }, 'token_missing', 'refused', 1);
    await refused(
      t,
      rig,
      { name: 'run', uuid: job.uuid, token: `${job.token.split('.')[0]}.${'A'.repeat(43)}` },
      'token_invalid',
      'refused',
      1,
    );
    await refused(t, rig, { name: 'run', uuid: job.uuid, token: other.token }, 'token_invalid', 'refused', 1);
    const lapsed = rig.tokens.issue(job.uuid, new Date(Date.now() - 73 * 3600 * 1000));
    await refused(t, rig, { name: 'run', uuid: job.uuid, token: lapsed }, 'token_expired', 'refused', 1);
    t.match(
      await rig.ask({ name: 'run', uuid: job.uuid, token: rig.tokens.issue(job.uuid, new Date()) }),
      { outcome: 'applied' },
      'an operator token works',
    );
    t.match(
      await rig.ask({ name: 'update', uuid: job.uuid.toUpperCase(), token: job.token }),
      { outcome: 'applied', version: 3 },
      'the uuid in any case',
    );
  },
);

t.test('a job token is bound to the job’s creator and dies a grace period after the job ended', async (t) => {
  let now = new Date('2026-05-01T00:00:00.000Z');
  const rig = await startManagerOnFakes(t, { tokens: new JobTokens(FAKES_SECRET, 3600, 60), clock: () => now });
  const job = await create(rig);
  const someoneElse = rig.tokens.forJob(job.uuid, 'amqp:mallory');
  await refused(t, rig, { name: 'run', uuid: job.uuid, token: someoneElse }, 'token_invalid', 'refused', 1);
  t.match(await rig.ask({ name: 'run', uuid: job.uuid, token: job.token }), { outcome: 'applied' });
  now = new Date(now.getTime() + 10 * 24 * 3600 * 1000);
  t.match(
    await rig.ask({ name: 'update', uuid: job.uuid, token: job.token }),
    { outcome: 'applied' },
    'a live job takes its token at any age',
  );
  t.match(await rig.ask({ name: 'finish', uuid: job.uuid, token: job.token }), {
    outcome: 'applied',
    state: 'FINISHED',
  });
  now = new Date(now.getTime() + 30_000);
  t.match(
    await rig.ask({ name: 'index', uuid: job.uuid, token: job.token }),
    { outcome: 'applied' },
    'inside the grace period',
  );
  t.match(await rig.ask({ name: 'indexed', uuid: job.uuid, token: job.token }), {
    outcome: 'applied',
    state: 'FINISHED',
    version: 6,
  });
  now = new Date(now.getTime() + 61_000);
  await refused(t, rig, { name: 'validate', uuid: job.uuid, token: job.token }, 'token_expired', 'refused', 6);
});

t.test('without required tokens an event needs none, but a token it carries is still checked', async (t) => {
  const rig = await startManagerOnFakes(t, { manager: { requireToken: false } });
  const job = await create(rig);
  t.match(await rig.ask({ name: 'run', uuid: job.uuid }), { outcome: 'applied', state: 'RUNNING' });
  await refused(
    t,
    rig,
    { name: 'update', uuid: job.uuid, token: (await create(rig)).token },
    'token_invalid',
    'refused',
    2,
  );
  await refused(t, rig, { name: 'cancel', uuid: job.uuid }, 'illegal_transition', 'unchecked', 2);
});

t.test('an event the machine can never allow is refused at once, with what was known of the token', async (t) => {
  const rig = await startManagerOnFakes(t);
  const job = await create(rig);
  t.match(await rig.ask({ name: 'cancel', uuid: job.uuid, token: job.token }), {
    outcome: 'applied',
    state: 'CANCELLED',
  });
  await refused(t, rig, { name: 'run', uuid: job.uuid, token: job.token }, 'illegal_transition', 'verified', 2);
  t.equal(await rig.counted('deferred'), 0, 'not retried first');
  t.match(
    await rig.ask({ name: 'reset', uuid: job.uuid, token: job.token }),
    { outcome: 'rejected', error: { code: 'illegal_transition' } },
    'reset is refused from CANCELLED',
  );
});

t.test('a sequenced event the job has already passed is refused as stale', async (t) => {
  const rig = await startManagerOnFakes(t);
  const job = await create(rig);
  t.match(await rig.ask({ name: 'run', uuid: job.uuid, token: job.token, seq: 1 }), { outcome: 'applied' });
  t.match(await rig.ask({ name: 'update', uuid: job.uuid, token: job.token, seq: 2 }), {
    outcome: 'applied',
    version: 3,
  });
  await refused(
    t,
    rig,
    { name: 'update', uuid: job.uuid, token: job.token, seq: 2, data: { late: true } },
    'stale_sequence',
    'verified',
    3,
  );
});

t.test('an event id already applied to another job is refused; neither job changes', async (t) => {
  const rig = await startManagerOnFakes(t);
  const a = await create(rig);
  const b = await create(rig);
  const id = randomUUID();
  t.match(await rig.ask({ id, name: 'run', uuid: a.uuid, token: a.token }), { outcome: 'applied' });
  await refused(t, rig, { id, name: 'run', uuid: b.uuid, token: b.token }, 'event_id_conflict', 'verified', 1);
  t.equal((await rig.store.get(a.uuid))?.version, 2);
  t.match(await rig.store.findEvent(id), { uuid: a.uuid });
});

t.test('a create’s uuid is that of its pipeline and data; another one is a schema violation', async (t) => {
  const rig = await startManagerOnFakes(t);
  const data = { n: randomUUID() };
  const uuid = jobUuid('rules', data);
  t.match(
    await rig.ask({ name: 'create', pipeline: 'rules', data, uuid: uuid.toUpperCase() }),
    { outcome: 'applied', uuid },
    'its own uuid, in any case',
  );
  await refused(
    t,
    rig,
    { name: 'create', pipeline: 'rules', data: { n: 'other' }, uuid },
    'schema_violation',
    'unchecked',
  );
  t.equal(await rig.store.get(jobUuid('rules', { n: 'other' })), undefined, 'nothing created');
  t.equal((await rig.store.list()).jobs.length, 1);
});

t.test(
  'the job is created for the broker-vouched publisher, else for the bus, or for the creator its token proves',
  async (t) => {
    const rig = await startManagerOnFakes(t);
    const byAna = await rig.ask(
      { name: 'create', pipeline: 'rules', data: { who: 'ana' } },
      { headers: { [AS_USER]: 'ana' } },
    );
    t.equal((await rig.store.get(String(byAna['uuid'])))?.creator, 'amqp:ana');
    t.ok(
      rig.tokens.boundTo(rig.tokens.verify(String(byAna['uuid']), String(byAna['token']), new Date()), 'amqp:ana'),
      'the answered token is ana’s',
    );
    const byBus = await create(rig, { who: 'bus' });
    t.equal((await rig.store.get(byBus.uuid))?.creator, 'bus');

    const claimed = { who: 'nonce' };
    const uuid = jobUuid('rules', claimed);
    const proof = rig.tokens.forJob(uuid, 'nonce:0123456789abcdef');
    const byNonce = await rig.ask({
      name: 'create',
      pipeline: 'rules',
      data: claimed,
      creator: 'nonce:0123456789abcdef',
      token: proof,
    });
    t.match(byNonce, { outcome: 'applied', token: proof }, 'the token answered is the one for that creator');
    t.equal((await rig.store.get(uuid))?.creator, 'nonce:0123456789abcdef');

    const operator = { who: 'operator' };
    const opUuid = jobUuid('rules', operator);
    await rig.ask({
      name: 'create',
      pipeline: 'rules',
      data: operator,
      creator: 'admin',
      token: rig.tokens.issue(opUuid, new Date()),
    });
    t.equal((await rig.store.get(opUuid))?.creator, 'admin', 'an operator token proves any creator');
  },
);

t.test('a create that claims a creator without proof is refused and creates nothing', async (t) => {
  const rig = await startManagerOnFakes(t);
  const data = { n: randomUUID() };
  const uuid = jobUuid('rules', data);
  await refused(
    t,
    rig,
    { name: 'create', pipeline: 'rules', data, creator: 'nonce:0123456789abcdef' },
    'token_missing',
    'refused',
  );
  await refused(
    t,
    rig,
    {
      name: 'create',
      pipeline: 'rules',
      data,
      creator: 'nonce:0123456789abcdef',
      token: rig.tokens.forJob(uuid, 'bus'),
    },
    'token_invalid',
    'refused',
  );
  await refused(t, rig, { name: 'create', pipeline: 'rules', data, token: 'forged.token' }, 'token_invalid', 'refused');
  t.equal(await rig.store.get(uuid), undefined);
});

t.test(
  'creating a job again: its creator, an operator and a holder of its token get the token; anyone else gets job_exists',
  async (t) => {
    const rig = await startManagerOnFakes(t);
    const data = { n: randomUUID() };
    const create = { name: 'create', pipeline: 'rules', data };
    const first = await rig.ask(create, { headers: { [AS_USER]: 'ana' } });
    const uuid = String(first['uuid']);
    const token = String(first['token']);
    t.match(first, { outcome: 'applied' });

    t.same(
      await rig.ask(create, { headers: { [AS_USER]: 'ana' } }),
      { outcome: 'duplicate', uuid, state: 'CREATED', version: 1, token, archivePath: first['archivePath'] },
      'the creator again',
    );
    t.match(
      await rig.ask({ ...create, token: rig.tokens.issue(uuid, new Date()) }, { headers: { [AS_USER]: 'ben' } }),
      { outcome: 'duplicate', token },
      'an operator',
    );
    t.match(
      await rig.ask({ ...create, token }, { headers: { [AS_USER]: 'ben' } }),
      { outcome: 'duplicate', token },
      'a holder of the job token',
    );

    const stranger = await rig.ask(create, { headers: { [AS_USER]: 'ben' } });
    t.match(stranger, {
      outcome: 'rejected',
      error: { code: 'job_exists', message: /already exists/, details: { uuid } },
    });
    t.same(Object.keys(stranger), ['outcome', 'error'], 'without the token');
    t.notOk(JSON.stringify(stranger).includes(token));
    const proven = rig.tokens.forJob(uuid, 'nonce:feedfacefeedface');
    t.match(
      await rig.ask({ ...create, creator: 'nonce:feedfacefeedface', token: proven }),
      { outcome: 'rejected', error: { code: 'job_exists' } },
      'another proven creator',
    );

    t.same(await rig.deadLetters(1, 100), [], 'a repeated create is a harmless duplicate: nothing dead-lettered');
    t.equal(await rig.counted('duplicate'), 5);
    t.match(await rig.store.get(uuid), { creator: 'amqp:ana', version: 1 });
    t.equal((await rig.store.history(uuid)).length, 1);
  },
);

t.test('the source recorded is the event’s own, else the manager’s default', async (t) => {
  const rig = await startManagerOnFakes(t, { manager: { defaultSource: 'cli' } });
  const job = await create(rig);
  await rig.ask({ name: 'run', uuid: job.uuid, token: job.token, source: 'agave' });
  await rig.ask({ name: 'update', uuid: job.uuid, token: job.token });
  t.same(
    (await rig.store.history(job.uuid)).map((h) => h.source),
    ['cli', 'agave', 'cli'],
  );
});

t.test('a create that names its ulid is named by it; a ulid another job has is a schema violation', async (t) => {
  const rig = await startManagerOnFakes(t);
  const ulid = '01KBZR8AWS4GQ7X3V0F6N1J2TM';
  const first = { name: 'create' as const, pipeline: 'rules', data: { n: 1 }, ulid };
  t.match(await rig.ask(first), { outcome: 'applied', uuid: jobUuid('rules', { n: 1 }, ulid) });
  t.match(await rig.ask({ ...first, data: { n: 2 } }), { outcome: 'duplicate' }, 'the same ulid is the same job');
  const other = await create(rig);
  const taken = (await rig.store.get(other.uuid))?.ulid ?? '';
  await refused(
    t,
    rig,
    { name: 'create', pipeline: 'rules', data: { n: 3 }, ulid: taken },
    'schema_violation',
    'unchecked',
  );
  t.equal((await rig.store.list()).jobs.length, 2, 'nothing more created');
});
