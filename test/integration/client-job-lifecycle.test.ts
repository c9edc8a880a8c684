import type { AddressInfo } from 'node:net';
import { connect } from 'amqplib';
import t, { type Test } from 'tap';
import {
  AmqpTransport,
  HttpTransport,
  PipelineJob,
  VerdictTimeoutError,
  type JobState,
  type PipelineJobsTransport,
} from '../../client/index.js';
import { newNonce } from '../../model/nonce-value.js';
import type { JobStore } from '../../ports/job-store.js';
import { ADMIN_TOKEN, startHttpRig } from '../helpers/http-rig.js';
import { ManagerRig } from '../helpers/manager-rig.js';
import { serviceUrl } from '../helpers/services.js';
import { proxyInFrontOf } from '../helpers/tcp-proxy.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');

/** A running tracker and how to reach it: a new transport per "process", the store to check. */
interface Tracker {
  readonly kind: 'http' | 'amqp';
  /** A new transport (a new client process); `admin` adds the bearer token over HTTP. */
  open(options?: { readonly admin?: boolean }): PipelineJobsTransport;
  readonly store: JobStore;
}

let counter = 0;
/** Data no other test uses, so every job is new. */
function fresh(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sample: `s${process.pid}-${Date.now()}-${++counter}`, ...extra };
}

async function names(store: JobStore, uuid: string): Promise<string[]> {
  return (await store.history(uuid)).map((h) => h.name);
}

async function storedState(store: JobStore, uuid: string): Promise<JobState | undefined> {
  return (await store.get(uuid))?.state;
}

/** The seed's flows, the same over both transports. */
function seedFlows(t: Test, tracker: Tracker): void {
  const client = (options?: { readonly admin?: boolean }): PipelineJobsTransport => {
    const transport = tracker.open(options);
    t.teardown(() => transport.close());
    return transport;
  };

  t.test('setup → run → update → finish, chained and awaited once', async (t) => {
    const data = fresh();
    const job = new PipelineJob({ pipeline: 'client-demo', data, owner: 'alice' }, client());
    const state = await job.setup().run({ host: 'node7' }).update({ progress: 0.5 }).finish({ exit: 0 });
    t.equal(state, 'FINISHED');
    t.equal(job.state, 'FINISHED');
    t.match(
      job.uuid,
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      'uuid v5 of pipeline and data',
    );
    t.match(job.token, /^[0-9a-z]+\.[A-Za-z0-9_-]+$/);
    t.equal(job.archivePath, `/products/v2/client-demo/${job.uuid!.replaceAll('-', '')}`);
    t.equal(job.version, 4);
    const uuid = job.uuid!;
    t.same(await names(tracker.store, uuid), ['create', 'run', 'update', 'finish']);
    const history = await tracker.store.history(uuid);
    t.same(history[2]?.data, { progress: 0.5 });
    t.match(await tracker.store.get(uuid), { owner: 'alice', data });
    const callbacks = job.callbacks!;
    t.ok(callbacks, 'ready-made callbacks');
    t.match(callbacks.events, new RegExp(`/events\\?uuid=${uuid}&token=`));
    t.same(
      callbacks.agave.notifications.map((n) => n.event),
      ['RUNNING', 'FINISHED', 'FAILED'],
    );
    t.match(callbacks.agave.notifications[0]?.url, /&status=\$\{JOB_STATUS\}$/);
    t.ok(callbacks.slurm.sbatch.includes(`--comment=pjm:${uuid}:${job.token!}`));
    t.equal(await job.setup(), 'FINISHED', 'setup again finds the same job in its current state');
    t.equal(
      await job.run().catch((err: unknown) => (err as { code?: string }).code),
      'illegal_transition',
      'run after finish',
    );
  });

  t.test('cancel before run → CANCELLED', async (t) => {
    const job = new PipelineJob({ pipeline: 'client-demo', data: fresh() }, client());
    t.equal(await job.setup(), 'CREATED');
    t.equal(await job.cancel(), 'CANCELLED');
    t.same(await names(tracker.store, job.uuid!), ['create', 'cancel']);
  });

  t.test('fail after run → FAILED', async (t) => {
    const job = new PipelineJob({ pipeline: 'client-demo', data: fresh() }, client());
    t.equal(await job.run().fail({ reason: 'segfault' }), 'FAILED', 'run sets the job up first');
    t.same(await names(tracker.store, job.uuid!), ['create', 'run', 'fail']);
  });

  t.test('cancel after run is refused with illegal_transition; the job stays RUNNING', async (t) => {
    const job = new PipelineJob({ pipeline: 'client-demo', data: fresh() }, client());
    const refused = job.setup().run().cancel().finish();
    const err = await refused.catch((e: unknown) => e);
    t.match(err, {
      name: 'PipelineJobsError',
      code: 'illegal_transition',
      details: { uuid: job.uuid, eventId: /^[0-9a-f-]{36}$/ },
    });
    t.equal(job.state, 'RUNNING');
    t.equal(await storedState(tracker.store, job.uuid!), 'RUNNING');
    t.same(await names(tracker.store, job.uuid!), ['create', 'run'], 'the chain stopped at the refusal');
  });

  t.test('load() from another client continues the job to FINISHED', async (t) => {
    const data = fresh();
    const first = new PipelineJob({ pipeline: 'client-demo', data }, client());
    await first.setup().run();
    const { uuid, token } = first as { uuid: string; token: string };

    const later = await PipelineJob.load(uuid, token, client());
    t.equal(later.uuid, uuid);
    t.equal(later.token, token);
    if (tracker.kind === 'http') {
      t.match(later, { state: 'RUNNING', pipeline: 'client-demo', data, archivePath: first.archivePath, version: 2 });
    } else {
      t.equal(later.state, undefined, 'over AMQP the state is unknown until the next event');
    }
    t.ok(later.callbacks?.events.includes(`uuid=${uuid}`));
    t.equal(await later.update({ step: 2 }).finish(), 'FINISHED');
    t.equal(later.state, 'FINISHED');

    if (tracker.kind === 'http') {
      await t.rejects(
        PipelineJob.load('00000000-0000-4000-8000-000000000000', token, client()),
        { code: 'unknown_job' },
        'over HTTP load reads the job',
      );
    }
    const hinted = await PipelineJob.load(uuid, token, client(), { pipeline: 'client-demo', data });
    t.equal(hinted.state, 'FINISHED', 'with pipeline and data, load reads the state over either transport');
    t.same(await names(tracker.store, uuid), ['create', 'run', 'update', 'finish'], 'loading created nothing');
  });

  t.test('a wrong token is refused with token_invalid', async (t) => {
    const transport = client();
    const mine = new PipelineJob({ pipeline: 'client-demo', data: fresh() }, transport);
    const other = new PipelineJob({ pipeline: 'client-demo', data: fresh() }, transport);
    await mine.setup();
    await other.setup();
    const forged = await PipelineJob.load(mine.uuid!, other.token!, client());
    await t.rejects(forged.run(), { code: 'token_invalid' });
    t.equal(await storedState(tracker.store, mine.uuid!), 'CREATED');
  });

  t.test('admin reset and ready', async (t) => {
    const job = new PipelineJob({ pipeline: 'client-demo', data: fresh() }, client());
    await job.run().finish();
    const { uuid, token } = job as { uuid: string; token: string };
    if (tracker.kind === 'http') {
      await t.rejects(job.reset(), { code: 'credentials_missing' }, 'over HTTP reset needs the bearer token');
      t.equal(await storedState(tracker.store, uuid), 'FINISHED');
    }
    const admin = await PipelineJob.load(uuid, token, client({ admin: true }));
    t.equal(await admin.reset({ why: 'rerun' }), 'RESET');
    t.equal(await admin.ready(), 'CREATED');
    t.equal(await admin.run().finish(), 'FINISHED', 'the job runs again');
    t.same(await names(tracker.store, uuid), ['create', 'run', 'finish', 'reset', 'ready', 'run', 'finish']);
  });
}

t.test('the client over HTTP (real fastify, embedded bus, manager)', async (t) => {
  const rig = await startHttpRig({ manager: true });
  t.teardown(() => rig.close());
  await rig.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(rig.app.server.address() as AddressInfo).port}`;
  seedFlows(t, {
    kind: 'http',
    store: rig.store,
    open: (options) => new HttpTransport({ url, ...(options?.admin === true && { bearer: ADMIN_TOKEN }) }),
  });

  t.test(
    'setup of a job another credential created rejects with job_exists; its token holder still loads it',
    async (t) => {
      const { value, record } = newNonce({ scope: 'all' }, new Date());
      await rig.nonces.create(record);
      const owner = new HttpTransport({ url, nonce: value });
      const stranger = new HttpTransport({ url });
      t.teardown(() => Promise.all([owner.close(), stranger.close()]));
      const data = fresh();
      const mine = new PipelineJob({ pipeline: 'client-owned', data }, owner);
      t.equal(await mine.setup(), 'CREATED');
      t.equal(
        await new PipelineJob({ pipeline: 'client-owned', data }, owner).setup(),
        'CREATED',
        'the same credential sets it up again',
      );
      await t.rejects(new PipelineJob({ pipeline: 'client-owned', data }, stranger).setup(), {
        code: 'job_exists',
        details: { uuid: mine.uuid },
      });
      const handedOver = await PipelineJob.load(mine.uuid!, mine.token!, stranger);
      t.equal(await handedOver.run(), 'RUNNING', 'whoever was given the token may use it');
    },
  );
});

t.test('over HTTP, a verdict the bridge does not wait for is read back from the history', async (t) => {
  // waitTimeoutMs 1: nearly every ?wait=1 answers 202 pending, and the client polls.
  const rig = await startHttpRig({ manager: true, waitTimeoutMs: 1 });
  t.teardown(() => rig.close());
  await rig.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(rig.app.server.address() as AddressInfo).port}`;
  const requests: string[] = [];
  const counting: typeof fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(input instanceof Request ? input.url : input).pathname}`);
    return fetch(input, init);
  };
  const transport = new HttpTransport({ url, fetch: counting, timeoutMs: 10_000 });
  t.teardown(() => transport.close());
  const job = new PipelineJob({ pipeline: 'client-pending', data: fresh() }, transport);
  t.equal(await job.setup().run().update({ n: 1 }).finish(), 'FINISHED');
  t.same(await names(rig.store, job.uuid!), ['create', 'run', 'update', 'finish']);
  t.ok(
    requests.some((r) => r.startsWith('GET ')),
    `the client polled (${requests.join(', ')})`,
  );
});

t.test(
  'the client over RabbitMQ (real broker, manager on SQLite)',
  { skip: 'skip' in amqp ? amqp.skip : false },
  async (t) => {
    if (!('url' in amqp)) return;
    const rig = new ManagerRig({ bus: { amqp: amqp.url }, store: 'sqlite' });
    t.teardown(() => rig.dispose());
    await rig.startManager();
    const store = await rig.store();
    seedFlows(t, {
      kind: 'amqp',
      store,
      open: () =>
        new AmqpTransport({
          url: amqp.url,
          prefix: rig.prefix,
          callbackBase: 'https://jobs.example.org/',
          timeoutMs: 20_000,
        }),
    });

    t.test(
      'jobs are the broker user’s: another publisher’s setup rejects with job_exists, a token holder still loads it',
      async (t) => {
        const transport = new AmqpTransport({ url: amqp.url, prefix: rig.prefix });
        t.teardown(() => transport.close());
        const data = fresh();
        const bus = await rig.publisher();
        // A publisher that does not set user_id: the manager knows it only as "bus".
        const made = (await bus.request(
          Buffer.from(JSON.stringify({ name: 'create', pipeline: 'client-owned', data })),
          { timeoutMs: 10_000 },
        )) as { uuid: string; token: string };
        t.match(await store.get(made.uuid), { creator: 'bus' });
        await t.rejects(new PipelineJob({ pipeline: 'client-owned', data }, transport).setup(), { code: 'job_exists' });
        const loaded = await PipelineJob.load(made.uuid, made.token, transport, { pipeline: 'client-owned', data });
        t.equal(loaded.state, 'CREATED', 'load with the token reads the state');

        const own = new PipelineJob({ pipeline: 'client-owned', data: fresh() }, transport);
        await own.setup();
        t.match(
          await store.get(own.uuid!),
          { creator: `amqp:${decodeURIComponent(new URL(amqp.url).username)}` },
          'the broker user, vouched for by the broker',
        );
        t.equal(
          await new PipelineJob({ pipeline: 'client-owned', data: own.data! }, transport).setup(),
          'CREATED',
          'the same user sets it up again',
        );

        const connection = await connect(amqp.url);
        t.teardown(() => connection.close().catch(() => undefined));
        const channel = await connection.createConfirmChannel();
        channel.on('error', () => undefined);
        const forged = new Promise<unknown>((resolve) => {
          channel.publish(
            `${rig.prefix}.events`,
            'event',
            Buffer.from('{}'),
            { userId: 'someone-else' },
            (err: unknown) => resolve(err),
          );
        });
        t.match(
          String(await forged),
          /PRECONDITION_FAILED|closed/,
          'a user_id other than the login is refused by the broker: it cannot be forged',
        );
      },
    );

    t.test('without callbackBase there are no callbacks', async (t) => {
      const transport = new AmqpTransport({ url: amqp.url, prefix: rig.prefix });
      t.teardown(() => transport.close());
      const job = new PipelineJob({ pipeline: 'client-demo', data: fresh() }, transport);
      t.equal(await job.setup(), 'CREATED');
      t.equal(job.callbacks, undefined);
      t.ok(job.token);
    });

    t.test('no manager: bus_unavailable without the topology, VerdictTimeoutError when nobody replies', async (t) => {
      const missing = new AmqpTransport({ url: amqp.url, prefix: `${rig.prefix}-none` });
      t.teardown(() => missing.close());
      await t.rejects(new PipelineJob({ pipeline: 'client-demo', data: fresh() }, missing).setup(), {
        code: 'bus_unavailable',
        message: /does not exist/,
      });

      const idle = new ManagerRig({ bus: { amqp: amqp.url }, store: 'sqlite' });
      t.teardown(() => idle.dispose());
      await idle.publisher(); // declares the topology; no manager consumes it
      const silent = new AmqpTransport({ url: amqp.url, prefix: idle.prefix, timeoutMs: 300 });
      t.teardown(() => silent.close());
      const err = await new PipelineJob({ pipeline: 'client-demo', data: fresh() }, silent)
        .setup()
        .catch((e: unknown) => e);
      t.ok(err instanceof VerdictTimeoutError, String(err));
      t.match(err, { code: 'verdict_timeout', event: 'create' });
    });

    t.test('a lost connection: calls fail with bus_unavailable, and the next one connects again', async (t) => {
      const { proxy, url: proxied } = await proxyInFrontOf(amqp.url, 5672);
      t.teardown(() => proxy.close());
      const transport = new AmqpTransport({ url: proxied, prefix: rig.prefix, timeoutMs: 5000 });
      t.teardown(() => transport.close());
      const job = new PipelineJob({ pipeline: 'client-demo', data: fresh() }, transport);
      t.equal(await job.setup(), 'CREATED');
      await proxy.down();
      await t.rejects(job.run(), { code: 'bus_unavailable' }, 'the broker is unreachable: nothing was accepted');
      await proxy.up();
      t.equal(await job.run().finish(), 'FINISHED', 'a new connection');
      t.same(await names(store, job.uuid!), ['create', 'run', 'finish']);
    });
  },
);
