import t, { type Test } from 'tap';
import { newNonce } from '../../model/nonce-value.js';
import { Registry } from 'prom-client';
import { Manager } from '../../actors/manager.js';
import { ManagerMetrics } from '../../actors/manager-metrics.js';
import { silentLogger } from '../../ports/logger.js';
import { ADMIN_TOKEN, startHttpRig, type HttpRig } from '../helpers/http-rig.js';

const REMOTE = '203.0.113.7';

interface Answer {
  uuid: string;
  token?: string;
  status?: string;
  callbacks?: unknown;
  error?: { code: string; details?: Record<string, unknown> };
}

async function nonceFor(rig: HttpRig, scope: 'create' | 'all' = 'all'): Promise<string> {
  const { value, record } = newNonce({ scope }, new Date());
  await rig.nonces.create(record);
  return value;
}

/** POST /jobs as a caller: a nonce from afar, an admin, or nothing from loopback. */
async function createAs(
  rig: HttpRig,
  as: { nonce?: string; admin?: true },
  body: Record<string, unknown>,
  wait = true,
): Promise<{ status: number; answer: Answer }> {
  const res = await rig.app.inject({
    method: 'POST',
    url: `/jobs${wait ? '?wait=1' : ''}`,
    payload: body,
    ...(as.nonce !== undefined && { remoteAddress: REMOTE, headers: { 'x-nonce': as.nonce } }),
    ...(as.admin === true && { remoteAddress: REMOTE, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
  });
  return { status: res.statusCode, answer: res.json<Answer>() };
}

/** Sends `run` with `token` and waits for the verdict. */
async function run(rig: HttpRig, uuid: string, token: string | undefined): Promise<Answer> {
  const res = await rig.app.inject({ method: 'POST', url: `/events?wait=1`, payload: { uuid, token, name: 'run' } });
  return res.json<Answer>();
}

async function managed(t: Test): Promise<HttpRig> {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  return rig;
}

t.test('POST /jobs: the token of an existing job goes to its creator and to admins, no one else', async (t) => {
  const rig = await managed(t);
  const [alice, bob] = [await nonceFor(rig), await nonceFor(rig)];
  const job = { pipeline: 'guessable', data: { sample: 'S-1' } };

  const first = await createAs(rig, { nonce: alice }, job);
  t.equal(first.status, 201);
  const token = first.answer.token;
  t.type(token, 'string');

  const again = await createAs(rig, { nonce: alice }, job);
  t.equal(again.status, 200, 'the same credential again: idempotent setup');
  t.match(again.answer, { uuid: first.answer.uuid, status: 'duplicate', token });

  const stranger = await createAs(rig, { nonce: bob }, job);
  t.equal(stranger.status, 409, 'another credential that guessed pipeline and data');
  t.match(stranger.answer, { error: { code: 'job_exists', details: { uuid: first.answer.uuid } } });
  t.notOk(JSON.stringify(stranger.answer).includes(token ?? '-'), 'and no token anywhere in the answer');
  t.equal((await createAs(rig, { nonce: bob }, job, false)).status, 409, 'without wait too');
  t.equal((await createAs(rig, {}, job)).status, 409, 'nor a loopback caller, when a nonce created the job');

  const admin = await createAs(rig, { admin: true }, job);
  t.equal(admin.status, 200, 'an admin gets it');
  t.equal(admin.answer.token, token, 'the same token, bound to the job and its creator');
  t.match(await run(rig, first.answer.uuid, token), { status: 'applied', state: 'RUNNING' }, 'and it works');
});

t.test('loopback callers of an open server are one party: their creates answer the token again', async (t) => {
  const rig = await managed(t);
  const job = { pipeline: 'local', data: { n: 1 } };
  const first = await createAs(rig, {}, job);
  const again = await createAs(rig, {}, job);
  t.match(again, { status: 200, answer: { status: 'duplicate', token: first.answer.token } });
  const byNonce = await createAs(rig, { nonce: await nonceFor(rig) }, job);
  t.match(byNonce, { status: 409, answer: { error: { code: 'job_exists' } } }, 'a nonce holder is someone else');
});

t.test(
  'two credentials creating one new job at once: only the creator the manager recorded holds a working token',
  async (t) => {
    const rig = await startHttpRig();
    t.teardown(() => rig.close());
    const [alice, bob] = [await nonceFor(rig), await nonceFor(rig)];
    const job = { pipeline: 'race', data: { n: 1 } };
    // No manager yet: both creates are on the bus before either is applied, and both are answered a token.
    const a = await createAs(rig, { nonce: alice }, job, false);
    const b = await createAs(rig, { nonce: bob }, job, false);
    t.match([a.status, b.status], [202, 202]);
    t.not(a.answer.token, b.answer.token, 'each token is bound to its caller');
    const manager = new Manager({
      bus: rig.bus,
      store: rig.store,
      tokens: rig.tokens,
      logger: silentLogger,
      metrics: new ManagerMetrics(new Registry()),
    });
    await manager.start();
    const deadline = Date.now() + 5000;
    while ((await rig.store.get(a.answer.uuid)) === undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    t.match(
      await rig.store.get(a.answer.uuid),
      { creator: `nonce:${alice.split('.')[0] ?? ''}` },
      'the first create applied names its credential',
    );
    t.match(
      await run(rig, a.answer.uuid, b.answer.token),
      { error: { code: 'token_invalid' } },
      'the second caller’s token does not work',
    );
    t.match(await run(rig, a.answer.uuid, a.answer.token), { status: 'applied' }, 'the first caller’s does');
    t.match(
      await createAs(rig, { nonce: bob }, job),
      { status: 409 },
      'and the second caller learns why on its next create',
    );
    await manager.stop();
  },
);

t.test(
  'over the bus: a create with reply_to answers the token only to the same party, or to a holder of the token',
  async (t) => {
    const rig = await managed(t);
    const ask = (event: Record<string, unknown>): Promise<unknown> =>
      rig.bus.request(Buffer.from(JSON.stringify(event)), { timeoutMs: 5000 });
    const viaHttp = await createAs(rig, { nonce: await nonceFor(rig) }, { pipeline: 'mixed', data: { n: 1 } });
    const stranger = await ask({ name: 'create', pipeline: 'mixed', data: { n: 1 } });
    t.match(stranger, { outcome: 'rejected', error: { code: 'job_exists' } }, 'a bus publisher did not create the job');
    t.notOk(JSON.stringify(stranger).includes(viaHttp.answer.token ?? '-'), 'no token in the reply');
    t.equal((await rig.bus.drainDeadLetters(10)).length, 0, 'a repeated create is harmless: acked, not dead-lettered');
    t.match(
      await ask({ name: 'create', pipeline: 'mixed', data: { n: 1 }, token: viaHttp.answer.token }),
      { outcome: 'duplicate', token: viaHttp.answer.token },
      'a holder of the token may read it back',
    );

    const own = (await ask({ name: 'create', pipeline: 'bus-made', data: { n: 2 } })) as { token: string };
    t.match(
      await ask({ name: 'create', pipeline: 'bus-made', data: { n: 2 } }),
      { outcome: 'duplicate', token: own.token },
      'bus publishers are one party',
    );
    t.match(
      await createAs(rig, { nonce: await nonceFor(rig) }, { pipeline: 'bus-made', data: { n: 2 } }),
      { status: 409 },
      'which an HTTP caller is not',
    );
    t.match(
      await ask({ name: 'create', pipeline: 'mixed', data: { n: 1 }, creator: 'nonce:0123456789abcdef' }),
      { outcome: 'rejected', error: { code: 'token_missing' } },
      'claiming a creator needs its token',
    );
  },
);
