import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { AmqpEventBus } from '../../adapters/bus/amqp/amqp-event-bus.js';
import { startHttpRig } from '../helpers/http-rig.js';
import { ManagerRig } from '../helpers/manager-rig.js';
import { serviceUrl } from '../helpers/services.js';
import { proxyInFrontOf } from '../helpers/tcp-proxy.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');

t.test(
  'the bridge over RabbitMQ: ?wait=1 verdicts, 503 with Retry-After while the broker is unreachable, recovery',
  { skip: 'skip' in amqp ? amqp.skip : false },
  async (t) => {
    if (!('url' in amqp)) return;
    const rig = new ManagerRig({ bus: { amqp: amqp.url }, store: 'sqlite' });
    t.teardown(() => rig.dispose());
    await rig.startManager();
    const { proxy, url: proxied } = await proxyInFrontOf(amqp.url, 5672);
    t.teardown(() => proxy.close());
    const bus = new AmqpEventBus({ url: proxied, prefix: rig.prefix, reconnect: { initialMs: 50, maxMs: 300 } });
    await bus.start();
    const http = await startHttpRig({ bus });
    t.teardown(() => http.close());
    const { app } = http;

    const created = await app.inject({
      method: 'POST',
      url: '/jobs?wait=1',
      payload: { pipeline: 'amqp-bridge', data: { n: Math.random() } },
    });
    t.equal(created.statusCode, 201, created.body);
    const job = created.json<{ uuid: string; token: string; callbacks: { events: string } }>();
    const events = new URL(job.callbacks.events);
    const url = (extra: string) => `${events.pathname}${events.search}${extra}`;

    const run = await app.inject({ method: 'POST', url: url('&event=run&wait=1') });
    t.match(run.json(), { status: 'applied', state: 'RUNNING', version: 2 });
    const illegal = await app.inject({ method: 'POST', url: url('&event=cancel&wait=1') });
    t.equal(illegal.statusCode, 409);
    t.match(illegal.json(), { error: { code: 'illegal_transition' } });

    await proxy.down();
    const started = Date.now();
    const refused = await app.inject({ method: 'POST', url: url('&event=update&note=during-outage') });
    const tookMs = Date.now() - started;
    t.equal(refused.statusCode, 503);
    t.equal(refused.headers['retry-after'], '5');
    t.match(refused.json(), { error: { code: 'bus_unavailable' } });
    t.ok(tookMs < 5000, `answered within the publish window (${tookMs} ms)`);
    const waited = await app.inject({ method: 'POST', url: url('&event=update&note=waited&wait=1') });
    t.equal(waited.statusCode, 503, 'with ?wait=1 too');

    await proxy.up();
    for (let i = 0; i < 100 && !(await bus.isHealthy()); i++) await sleep(100);
    const finish = await app.inject({ method: 'POST', url: url('&event=finish&wait=1') });
    t.match(finish.json(), { status: 'applied', state: 'FINISHED', version: 3 }, 'the bridge reconnected by itself');
    const history = await (await rig.store()).history(job.uuid);
    t.same(
      history.map((h) => h.name),
      ['create', 'run', 'finish'],
      'nothing from the refused calls was applied',
    );
  },
);
