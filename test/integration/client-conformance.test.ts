import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { AmqpEventBus } from '../../adapters/bus/amqp/amqp-event-bus.js';
import {
  AmqpTransport,
  HttpTransport,
  PipelineJob,
  isPipelineJobsError,
  type ClientEventName,
  type JsonObject,
  type PipelineJobsTransport,
} from '../../client/index.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { serviceUrl, servicesRequired, uniqueName } from '../helpers/services.js';

/**
 * The shared conformance scenario (test/fixtures/conformance/lifecycle.json) played by the
 * TypeScript client here and by the Python client (python/tests/conformance.py, run as a child
 * process), each against its own fresh `pjm serve`: both must answer every step as the file
 * expects and leave identical jobs and histories (ids and dates aside).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIO = join(ROOT, 'test', 'fixtures', 'conformance', 'lifecycle.json');
const PYTHON_RUNNER = join(ROOT, 'python', 'tests', 'conformance.py');
const ADMIN_TOKEN = 'conformance-admin-token-0123456789';

interface Step {
  readonly call: string;
  readonly event?: string;
  readonly data?: JsonObject;
  readonly id?: string;
  readonly admin?: boolean;
  readonly expect: Outcome;
}

interface Scenario {
  readonly pipeline: string;
  readonly data: JsonObject;
  readonly owner?: string;
  readonly steps: readonly Step[];
}

interface Outcome {
  readonly state?: string | undefined;
  readonly version?: number | undefined;
  readonly duplicate?: boolean;
  readonly error?: string;
}

interface Played {
  readonly uuid: string;
  readonly outcomes: readonly Outcome[];
}

const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as Scenario;
const amqp = serviceUrl('PJM_TEST_AMQP_URL');

/**
 * A Python ≥ 3.9 that can run the Python client (with pika for the AMQP half): PJM_TEST_PYTHON,
 * else `python3` on PATH, else Debian's `/usr/bin/python3` (where `apt-get install python3-pika`
 * puts pika when PATH leads to another Python). A reason instead when there is none.
 */
function python(withPika: boolean): { python: string } | { skip: string } {
  const given = process.env['PJM_TEST_PYTHON'];
  const candidates = given !== undefined && given !== '' ? [given] : ['python3', '/usr/bin/python3'];
  const probe = `import sys; assert sys.version_info >= (3, 9)${withPika ? '; import pika' : ''}`;
  const found = candidates.find((candidate) => spawnSync(candidate, ['-c', probe], { stdio: 'ignore' }).status === 0);
  if (found !== undefined) return { python: found };
  const reason =
    `no Python >= 3.9${withPika ? ' with pika (apt-get install python3-pika)' : ''}` +
    ` among ${candidates.join(', ')}; set PJM_TEST_PYTHON`;
  if (servicesRequired()) throw new Error(`PJM_REQUIRE_SERVICES=1 but ${reason}`);
  return { skip: reason };
}

/** Plays the scenario with the TypeScript client; `open(admin)` makes a new client. */
async function playTs(open: (admin: boolean) => PipelineJobsTransport): Promise<Played> {
  const opened: PipelineJobsTransport[] = [];
  const client = (admin: boolean): PipelineJobsTransport => {
    const transport = open(admin);
    opened.push(transport);
    return transport;
  };
  let job = new PipelineJob(
    {
      pipeline: scenario.pipeline,
      data: scenario.data,
      ...(scenario.owner !== undefined && { owner: scenario.owner }),
    },
    client(false),
  );
  const reattach = (admin: boolean): Promise<PipelineJob> =>
    PipelineJob.load(job.uuid!, job.token!, client(admin), { pipeline: job.pipeline!, data: job.data! });
  const outcomes: Outcome[] = [];
  try {
    for (const step of scenario.steps) {
      try {
        if (step.call === 'setup') {
          outcomes.push({ state: await job.setup(), version: job.version });
        } else if (step.call === 'load') {
          job = await reattach(false);
          outcomes.push({ state: job.state, version: job.version });
        } else {
          const name = (step.call === 'send' ? step.event : step.call) as ClientEventName;
          const sender = step.admin === true ? await reattach(true) : job;
          if (step.id !== undefined) {
            const verdict = await sender.transport.send({
              uuid: sender.uuid!,
              token: sender.token!,
              name,
              id: step.id,
              ...(step.data !== undefined && { data: step.data }),
            });
            outcomes.push({ state: verdict.state, version: verdict.version, duplicate: verdict.duplicate });
          } else {
            outcomes.push({ state: await sender.send(name, step.data), version: sender.version });
          }
        }
      } catch (err) {
        if (!isPipelineJobsError(err)) throw err;
        outcomes.push({ error: err.code });
      }
    }
  } finally {
    await Promise.all(opened.map((transport) => transport.close()));
  }
  return { uuid: job.uuid!, outcomes };
}

/** Plays the scenario with the Python client, as a child process. */
async function playPython(interpreter: string, args: readonly string[]): Promise<Played> {
  const { stdout } = await promisify(execFile)(interpreter, [PYTHON_RUNNER, SCENARIO, ...args], {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: join(ROOT, 'python', 'src') },
    timeout: 120_000,
  });
  return JSON.parse(stdout) as Played;
}

/** The job and its history as the server recorded them, without what differs by nature (ids, dates, the uuid). */
async function recorded(url: string, uuid: string): Promise<unknown> {
  const read = async (path: string): Promise<Record<string, unknown>> => {
    const response = await fetch(`${url}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const job = await read(`/jobs/${uuid}`);
  const { history } = (await read(`/jobs/${uuid}/history`)) as { history: Array<Record<string, unknown>> };
  const kept = {
    job: {
      pipeline: job['pipeline'],
      state: job['state'],
      version: job['version'],
      data: job['data'],
      owner: job['owner'],
      archivePath: job['archivePath'],
      lastEvent: job['lastEvent'],
    },
    history: history.map((entry) => ({
      name: entry['name'],
      state: entry['state'],
      version: entry['version'],
      data: entry['data'],
      source: entry['source'],
    })),
  };
  const text = JSON.stringify(kept).replaceAll(uuid, '<uuid>').replaceAll(uuid.replaceAll('-', ''), '<uuid>');
  return JSON.parse(text) as unknown;
}

function withoutSource(value: unknown): unknown {
  const { job, history } = value as { job: unknown; history: Array<Record<string, unknown>> };
  return {
    job,
    history: history.map((entry) => Object.fromEntries(Object.entries(entry).filter(([key]) => key !== 'source'))),
  };
}

/** Checks both clients' answers against the scenario and each other, and returns what both servers recorded. */
async function compare(
  t: Test,
  ts: { played: Played; url: string },
  py: { played: Played; url: string },
): Promise<unknown> {
  t.equal(ts.played.outcomes.length, scenario.steps.length, 'the TypeScript client played every step');
  scenario.steps.forEach((step, i) =>
    t.same(
      ts.played.outcomes[i],
      step.expect,
      `TypeScript, step ${i + 1}: ${step.call}${step.event !== undefined ? ` ${step.event}` : ''}`,
    ),
  );
  t.same(py.played.outcomes, ts.played.outcomes, 'the Python client answered every step alike');
  t.equal(py.played.uuid, ts.played.uuid, 'the same pipeline and data name the same job in both clients');
  const tsRecord = await recorded(ts.url, ts.played.uuid);
  const pyRecord = await recorded(py.url, py.played.uuid);
  t.same(pyRecord, tsRecord, 'identical jobs and histories');
  t.equal((tsRecord as { history: unknown[] }).history.length, 12, 'eleven applied events and the first heartbeat');
  return tsRecord;
}

async function server(t: Test, env: Record<string, string> = {}): Promise<string> {
  const { url } = await startPjmService(t, 'serve', { PJM_API_TOKENS: ADMIN_TOKEN, ...env });
  return url;
}

const records: Record<'http' | 'amqp', unknown> = { http: undefined, amqp: undefined };
const httpPython = python(false);

t.test(
  'the conformance scenario over HTTP: TypeScript and Python clients end alike',
  { skip: 'skip' in httpPython ? httpPython.skip : false, timeout: 180_000 },
  async (t) => {
    if (!('python' in httpPython)) return;
    const [tsUrl, pyUrl] = await Promise.all([server(t), server(t)]);
    const played = await playTs(
      (admin) => new HttpTransport({ url: tsUrl, timeoutMs: 20_000, ...(admin && { bearer: ADMIN_TOKEN }) }),
    );
    const pyPlayed = await playPython(httpPython.python, ['--http', pyUrl, '--bearer', ADMIN_TOKEN]);
    records.http = await compare(t, { played, url: tsUrl }, { played: pyPlayed, url: pyUrl });
  },
);

const amqpPython = 'url' in amqp ? python(true) : { skip: amqp.skip };

t.test(
  'the conformance scenario over RabbitMQ: TypeScript and Python clients end alike',
  { skip: 'skip' in amqpPython ? amqpPython.skip : false, timeout: 180_000 },
  async (t) => {
    if (!('python' in amqpPython) || !('url' in amqp)) return;
    const prefixes = [uniqueName('pjmconf'), uniqueName('pjmconf')] as const;
    t.teardown(() =>
      Promise.all(prefixes.map((prefix) => new AmqpEventBus({ url: amqp.url, prefix }).deleteTopology())),
    );
    const [tsUrl, pyUrl] = await Promise.all(
      prefixes.map((prefix) => server(t, { PJM_AMQP_URL: amqp.url, PJM_AMQP_PREFIX: prefix })),
    );
    const played = await playTs(() => new AmqpTransport({ url: amqp.url, prefix: prefixes[0], timeoutMs: 20_000 }));
    const pyPlayed = await playPython(amqpPython.python, ['--amqp', amqp.url, '--prefix', prefixes[1]]);
    records.amqp = await compare(t, { played, url: tsUrl! }, { played: pyPlayed, url: pyUrl! });
  },
);

t.test('the scenario ends alike over HTTP and over RabbitMQ (only the source differs)', (t) => {
  if (records.http === undefined || records.amqp === undefined) {
    t.pass('needs both transports above');
    t.end();
    return;
  }
  t.same(withoutSource(records.amqp), withoutSource(records.http));
  t.end();
});
