import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import t from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { jobsApi, until, type Entry } from '../helpers/launch-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { scaled } from '../helpers/scale.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const mongo = serviceUrl('PJM_TEST_MONGO_URL');
const JOBS = scaled(40);
const TIMEOUT_S = 6;

const marks = (history: Entry[]): number => history.filter((e) => e.name === 'stale').length;

if ('skip' in amqp || 'skip' in mongo) {
  const skip = 'skip' in amqp ? amqp.skip : 'skip' in mongo ? mongo.skip : 'no service';
  t.test('two managers and two reapers', { skip }, () => {});
} else {
  t.test(`two managers + two reapers on RabbitMQ and the MongoDB-wire store: one mark per expiry`, async (t) => {
    const database = uniqueName('pjm_stale');
    const dir = mkdtempSync(join(tmpdir(), 'pjm-stale-reg-'));
    const registry = join(dir, 'pipelines.yaml');
    writeFileSync(registry, `pipelines:\n  silent:\n    heartbeat: {timeout: ${TIMEOUT_S}s}\n`);
    const env = {
      PJM_AMQP_URL: amqp.url,
      PJM_AMQP_PREFIX: uniqueName('stale_reapers'),
      PJM_MONGO_URL: mongo.url,
      PJM_MONGO_DB: database,
      PJM_SECRET: 'stale-reapers-secret-0123456789abcdef',
      PJM_PIPELINES: registry,
      PJM_REAPER_PERIOD_SECONDS: '0.5',
      PJM_LOG_LEVEL: 'warn',
    };
    t.teardown(async () => {
      const client = await MongoClient.connect(mongo.url);
      await client.db(database).dropDatabase();
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const { url } = await startPjmService(t, 'bridge', { ...env, PJM_LOG_LEVEL: 'info' });
    const workers = [
      spawnPjm(['manager'], env),
      spawnPjm(['manager'], env),
      spawnPjm(['reaper'], env),
      spawnPjm(['reaper'], env),
    ];
    t.teardown(async () => {
      for (const worker of workers) worker.kill('SIGKILL');
      await Promise.all(workers.map(exited));
    });
    await sleep(3000);
    const api = jobsApi(url);
    // All at once: a lease starts at create, and the beating jobs must not expire before they beat.
    const jobs = await Promise.all(
      Array.from({ length: JOBS }, async (_, i) => {
        const res = await fetch(`${url}/jobs?wait=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ pipeline: 'silent', data: { i } }),
        });
        return (await res.json()) as { uuid: string; token: string };
      }),
    );
    const runs = await Promise.all(jobs.map((job) => api.send(job.uuid, job.token, 'run')));
    t.same(
      runs,
      jobs.map(() => 200),
      'every job runs',
    );
    const beating = jobs.slice(0, Math.ceil(JOBS / 4));
    // A quarter beat every second for twice the timeout: none of them may be marked meanwhile.
    for (let round = 0; round < TIMEOUT_S * 2; round++) {
      await Promise.all(beating.map((job) => api.send(job.uuid, job.token, 'heartbeat')));
      await sleep(1000);
    }
    const silent = jobs.slice(beating.length);
    for (const job of beating) t.equal(marks(await api.history(job.uuid)), 0, 'beating: not marked');
    await until('every job flagged', 60_000, async () => {
      const listed = (await (await fetch(`${url}/jobs?stale=true&limit=1000`)).json()) as { jobs: unknown[] };
      return listed.jobs.length === JOBS ? true : undefined;
    });
    await sleep(2000); // several periods of both reapers: any second mark would be in by now
    const first = await Promise.all(jobs.map((job) => api.history(job.uuid)));
    t.same(
      first.map(marks),
      jobs.map(() => 1),
      `each of ${JOBS} jobs has one mark for its one expiry (${silent.length} silent, ${beating.length} beat first)`,
    );
    // The next event clears the flag; a second expiry gets a second mark, still one.
    const again = jobs.slice(0, 5);
    for (const job of again) t.equal(await api.send(job.uuid, job.token, 'update'), 200);
    for (const job of again) t.equal(((await api.job(job.uuid)) as { stale?: unknown }).stale, undefined, 'cleared');
    await until('the second expiry flagged', 30_000, async () => {
      const states = await Promise.all(again.map((job) => api.job(job.uuid)));
      return states.every((s) => (s as { stale?: unknown }).stale !== undefined) ? true : undefined;
    });
    await sleep(2000);
    const second = await Promise.all(again.map((job) => api.history(job.uuid)));
    t.same(
      second.map(marks),
      again.map(() => 2),
      'two expiries, two marks',
    );
  });
}
