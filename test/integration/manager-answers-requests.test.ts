import { randomUUID } from 'node:crypto';
import t from 'tap';
import { ManagerRig, type RigKind } from '../helpers/manager-rig.js';
import { serviceUrl } from '../helpers/services.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const rigs: Array<{ name: string; kind: RigKind | { skip: string } }> = [
  { name: 'embedded bus', kind: { bus: 'local', store: 'sqlite' } },
  { name: 'AMQP', kind: 'url' in amqp ? { bus: { amqp: amqp.url }, store: 'sqlite' } : amqp },
];

for (const { name, kind } of rigs) {
  if ('skip' in kind) {
    t.test(name, { skip: kind.skip }, () => {});
    continue;
  }
  t.test(`${name}: a publisher with reply_to gets the outcome, and a create gets uuid and token`, async (t) => {
    const rig = new ManagerRig(kind);
    t.teardown(() => rig.dispose());
    await rig.startManager();
    const bus = await rig.publisher();
    const ask = (event: Record<string, unknown>): Promise<unknown> =>
      bus.request(Buffer.from(JSON.stringify(event)), { timeoutMs: 10_000 });

    const created = (await ask({ name: 'create', pipeline: 'reply-test', data: { n: randomUUID() } })) as {
      uuid: string;
      token: string;
    };
    t.match(created, {
      outcome: 'applied',
      state: 'CREATED',
      version: 1,
      uuid: /^[0-9a-f-]{36}$/,
      token: /^[0-9a-z]+\.[\w-]+$/,
    });
    t.doesNotThrow(() => rig.tokens.verify(created.uuid, created.token, new Date()), 'the token is valid for the job');

    const again = await ask({
      name: 'create',
      pipeline: 'reply-test',
      data: (await (await rig.store()).get(created.uuid))?.data,
    });
    t.match(
      again,
      { outcome: 'duplicate', uuid: created.uuid, token: /\./ },
      'creating it again answers the same job and a token',
    );

    t.match(await ask({ name: 'run', uuid: created.uuid, token: created.token }), {
      outcome: 'applied',
      state: 'RUNNING',
      version: 2,
    });
    t.match(await ask({ name: 'cancel', uuid: created.uuid, token: created.token }), {
      outcome: 'rejected',
      error: { code: 'illegal_transition', message: /cancel/ },
    });
    t.match(await ask({ name: 'finish', uuid: created.uuid, token: 'forged.token' }), {
      outcome: 'rejected',
      error: { code: 'token_invalid' },
    });
  });
}
