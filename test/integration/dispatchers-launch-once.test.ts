import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import t from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { jobsApi, scriptsDir, until, type LaunchedJob } from '../helpers/launch-rig.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { scaled, scaledMs } from '../helpers/scale.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const mongo = serviceUrl('PJM_TEST_MONGO_URL');
const JOBS = scaled(200);
const GRACE_SECONDS = 2;

/** The uuids the scripts appended, one line per launch. */
function launches(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

if ('skip' in amqp || 'skip' in mongo) {
  const skip = 'skip' in amqp ? amqp.skip : 'skip' in mongo ? mongo.skip : 'no service';
  t.test('two managers and two dispatchers', { skip }, () => {});
} else {
  t.test(
    `two managers + two dispatchers on RabbitMQ and the MongoDB-wire store: ${JOBS} creates, ${JOBS} launches`,
    async (t) => {
      const database = uniqueName('pjm_launch');
      const count = join(mkdtempSync(join(tmpdir(), 'pjm-launch-count-')), 'launches.txt');
      const scripts = scriptsDir({ 'count.sh': `echo "$PJM_JOB_UUID" >> ${count}\nsleep 0.3` });
      const registry = join(scripts, 'pipelines.yaml');
      const logs = mkdtempSync(join(tmpdir(), 'pjm-launch-logs-'));
      writeFileSync(
        registry,
        `pipelines:\n  counted:\n    script: ${join(scripts, 'count.sh')}\n` +
          `    launcher: {type: local, concurrency: 8, log_dir: ${logs}}\n`,
      );
      const env = {
        PJM_AMQP_URL: amqp.url,
        PJM_AMQP_PREFIX: uniqueName('pjm_launch'),
        PJM_MONGO_URL: mongo.url,
        PJM_MONGO_DB: database,
        PJM_SECRET: 'launch-once-secret-0123456789abcdef',
        PJM_PIPELINES: registry,
        PJM_LAUNCH_GRACE_SECONDS: String(GRACE_SECONDS),
        PJM_LOG_LEVEL: 'warn',
      };
      t.teardown(async () => {
        const client = await MongoClient.connect(mongo.url);
        await client.db(database).dropDatabase();
        await client.close();
      });
      const { url } = await startPjmService(t, 'bridge', { ...env, PJM_LOG_LEVEL: 'info' });
      const workers = [
        spawnPjm(['manager'], env),
        spawnPjm(['manager'], env),
        spawnPjm(['dispatcher'], { ...env, PJM_URL: url, PJM_DISPATCHER_ID: 'victim' }),
        spawnPjm(['dispatcher'], { ...env, PJM_URL: url, PJM_DISPATCHER_ID: 'survivor' }),
      ];
      t.teardown(async () => {
        for (const worker of workers) worker.kill('SIGKILL');
        await Promise.all(workers.map(exited));
      });
      const victim = workers[2];
      await sleep(3000);
      const api = jobsApi(url);
      const created: string[] = [];
      const statuses = new Set<number>();
      for (let i = 0; i < JOBS; i++) {
        const res = await fetch(`${url}/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ pipeline: 'counted', data: { i } }),
        });
        statuses.add(res.status);
        created.push(((await res.json()) as { uuid: string }).uuid);
      }
      t.same([...statuses], [202], 'every create was accepted');
      // Mid-way: the victim has scripts running, jobs waiting for a slot, perhaps claims not yet recorded.
      await until('a third of the launches', scaledMs(120_000), async () =>
        launches(count).length >= JOBS / 3 ? true : undefined,
      );
      victim?.kill('SIGKILL');
      t.comment(`killed dispatcher "victim" after ${launches(count).length} launches`);
      await until(`${JOBS} launches`, scaledMs(180_000), async () =>
        launches(count).length >= JOBS ? true : undefined,
      );
      // Longer than the grace period and a sweep: any second launch would have happened by now.
      await sleep((GRACE_SECONDS * 2 + 3) * 1000);
      const lines = launches(count);
      t.equal(lines.length, JOBS, `exactly ${JOBS} launches`);
      t.equal(new Set(lines).size, JOBS, 'each job launched once');
      t.same(new Set(lines), new Set(created), 'every created job was launched');
      const jobs = await Promise.all(created.map((uuid) => api.job(uuid)));
      const by = (job: LaunchedJob): string => `${job.launch?.state}:${job.launch?.by}`;
      const tally: Record<string, number> = {};
      for (const job of jobs) tally[by(job)] = (tally[by(job)] ?? 0) + 1;
      t.comment(`launch records: ${JSON.stringify(tally)}`);
      t.ok(
        jobs.every((job) => job.launch?.state === 'launched'),
        'every job has a launched record',
      );
      t.ok((tally['launched:survivor'] ?? 0) > 0, 'the survivor launched jobs after the kill');
    },
  );
}
