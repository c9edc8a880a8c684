import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import {
  PipelineJob,
  PipelineJobsError,
  isPipelineJobsError,
  type ClientEvent,
  type CreatedJob,
  type CreateJobRequest,
  type EventVerdict,
  type JobSnapshot,
  type JobState,
  type PipelineJobsTransport,
} from '../../../client/index.js';

const UUID = '0b9b9c0e-6f6e-5d3c-9a4b-1c2d3e4f5a6b';

/** A transport that records calls and answers from a tiny machine; `refuse` makes one event fail. */
class FakeTransport implements PipelineJobsTransport {
  readonly kind = 'http' as const;
  readonly calls: string[] = [];
  readonly events: ClientEvent[] = [];
  state: JobState = 'CREATED';
  refuse = new Set<string>();
  delayMs = 0;

  async claim(): Promise<never> {
    throw new PipelineJobsError('internal_error', 'not used here');
  }

  async release(): Promise<never> {
    throw new PipelineJobsError('internal_error', 'not used here');
  }

  async create(request: CreateJobRequest): Promise<CreatedJob> {
    this.calls.push(`create:${request.pipeline}`);
    await sleep(this.delayMs);
    return {
      uuid: UUID,
      token: 'tok',
      pipeline: request.pipeline,
      state: this.state,
      version: 1,
      existed: false,
      archivePath: '/products/x',
    };
  }

  async send(event: ClientEvent): Promise<EventVerdict> {
    this.calls.push(event.name);
    this.events.push(event);
    await sleep(this.delayMs);
    if (this.refuse.has(event.name)) throw new PipelineJobsError('illegal_transition', `${event.name} refused`);
    const next: Partial<Record<string, JobState>> = {
      run: 'RUNNING',
      finish: 'FINISHED',
      fail: 'FAILED',
      cancel: 'CANCELLED',
      reset: 'RESET',
      ready: 'CREATED',
    };
    this.state = next[event.name] ?? this.state;
    return { state: this.state, duplicate: false };
  }

  async describe(uuid: string): Promise<JobSnapshot> {
    this.calls.push('describe');
    return { uuid, state: 'RUNNING', pipeline: 'p', data: { a: 1 }, version: 2 };
  }

  async close(): Promise<void> {}
}

t.test('a chain runs in order, awaited once, and resolves with the last state', async (t) => {
  const transport = new FakeTransport();
  transport.delayMs = 5;
  const job = new PipelineJob({ pipeline: 'p', data: { a: 1 } }, transport);
  t.equal(job.uuid, undefined, 'nothing is sent before the first call');
  const state = await job.setup().run().update({ x: 1 }).finish();
  t.equal(state, 'FINISHED');
  t.same(transport.calls, ['create:p', 'run', 'update', 'finish']);
  t.equal(job.uuid, UUID);
  t.equal(job.token, 'tok');
  t.equal(job.state, 'FINISHED');
  t.equal(job.archivePath, '/products/x');
  t.same(transport.events[1]?.data, { x: 1 });
  const ids = new Set(transport.events.map((e) => e.id));
  t.equal(ids.size, 3, 'a fresh event id per call');
  for (const id of ids) t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'uuid v4');
});

t.test('the first failure rejects the chain and skips the rest', async (t) => {
  const transport = new FakeTransport();
  transport.refuse.add('update');
  const job = new PipelineJob({ pipeline: 'p' }, transport);
  await t.rejects(job.setup().run().update({ x: 1 }).finish(), {
    name: 'PipelineJobsError',
    code: 'illegal_transition',
  });
  t.same(transport.calls, ['create:p', 'run', 'update'], 'finish was never sent');
  t.equal(job.state, 'RUNNING', 'the state of the last call that answered');
  t.equal(await job.finish(), 'FINISHED', 'the job is still usable');
  const caught = await job.resource({ y: 1 }).catch((err: unknown) => (isPipelineJobsError(err) ? err.code : 'other'));
  t.equal(caught, 'FINISHED', 'catch() passes the state through when nothing failed');
});

t.test('an event before setup sets the job up first; separate calls still run one at a time, in order', async (t) => {
  const transport = new FakeTransport();
  transport.delayMs = 10;
  const job = new PipelineJob({ pipeline: 'p' }, transport);
  const run = job.run();
  const update = job.update({ n: 1 });
  const finish = job.finish();
  t.same(await Promise.all([run, update, finish]), ['RUNNING', 'RUNNING', 'FINISHED']);
  t.same(transport.calls, ['create:p', 'run', 'update', 'finish']);
});

t.test('load re-attaches to a job; setup after load finds it again', async (t) => {
  const transport = new FakeTransport();
  const job = await PipelineJob.load(UUID.toUpperCase(), 'tok2', transport);
  t.equal(job.uuid, UUID);
  t.equal(job.token, 'tok2');
  t.equal(job.state, 'RUNNING');
  t.equal(job.pipeline, 'p');
  t.same(job.data, { a: 1 });
  t.equal(await job.finish(), 'FINISHED');
  t.equal(transport.events[0]?.token, 'tok2');
  t.equal(await job.refresh(), 'RUNNING', 'refresh reads the job again');
});

t.test('a job loaded without pipeline and state cannot be set up', async (t) => {
  const transport = new FakeTransport();
  transport.describe = async (uuid: string) => ({ uuid });
  const job = await PipelineJob.load(UUID, 'tok', transport);
  t.equal(job.state, undefined);
  await t.rejects(job.setup(), { code: 'schema_violation' });
  t.equal(await job.run(), 'RUNNING', 'events work without a known state');
});
