import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import t from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { jobsApi, scriptsDir, until, type Entry } from '../helpers/launch-rig.js';
import { startPjmService, type PjmProcess } from '../helpers/pjm-service.js';
import { scaled, scaledMs, scenarioFileTimeoutMs } from '../helpers/scale.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const mongo = serviceUrl('PJM_TEST_MONGO_URL');
const JOBS = scaled(60);
const KILLS = scaled(20);
const MAX_ATTEMPTS = 3;

/** What every job's history must be: three launches that exit 2, two retries, then the policy gives up. */
const RETRIED = ['fail:dispatcher', 'reset:policy:flaky', 'ready:policy:flaky'];
const EXPECTED = ['create:http', ...RETRIED, ...RETRIED, 'fail:dispatcher', 'retries_exhausted:policy:flaky'];

t.setTimeout(scenarioFileTimeoutMs());

if ('skip' in amqp || 'skip' in mongo) {
  const skip = 'skip' in amqp ? amqp.skip : 'skip' in mongo ? mongo.skip : 'no service';
  t.test('retries survive SIGKILLed managers', { skip }, () => {});
} else {
  t.test(
    `two managers SIGKILLed ${KILLS} times at random while ${JOBS} jobs fail and are retried: one retry and one ` +
      'relaunch per fail',
    async (t) => {
      const database = uniqueName('pjm_retries');
      const count = join(mkdtempSync(join(tmpdir(), 'pjm-retries-count-')), 'launches.txt');
      // Each launch is one line; the script runs long enough, three at a time, that fails keep coming
      // during the kills (about 30 s of launches against 20 kills 0.2–1.2 s apart, each with a restart).
      const scripts = scriptsDir({
        'flaky.sh': `echo "$PJM_JOB_UUID" >> ${count}\nsleep 0.$(( $(od -An -N1 -tu1 /dev/urandom) % 9 + 1 ))\nexit 2`,
      });
      const registry = join(scripts, 'pipelines.yaml');
      writeFileSync(
        registry,
        [
          'pipelines:',
          '  flaky:',
          `    script: ${join(scripts, 'flaky.sh')}`,
          `    launcher: {type: local, concurrency: 3, log_dir: ${mkdtempSync(join(tmpdir(), 'pjm-retries-logs-'))}}`,
          `    retry: {max_attempts: ${MAX_ATTEMPTS}, rules: [{exit_codes: [2]}]}`,
          '',
        ].join('\n'),
      );
      const env = {
        PJM_AMQP_URL: amqp.url,
        PJM_AMQP_PREFIX: uniqueName('retries'),
        PJM_MONGO_URL: mongo.url,
        PJM_MONGO_DB: database,
        PJM_SECRET: 'retries-kill-secret-0123456789abcdef',
        PJM_PIPELINES: registry,
        PJM_LAUNCH_GRACE_SECONDS: '2',
        PJM_LOG_LEVEL: 'warn',
      };
      t.teardown(async () => {
        const client = await MongoClient.connect(mongo.url);
        await client.db(database).dropDatabase();
        await client.close();
      });
      const { url } = await startPjmService(t, 'bridge', { ...env, PJM_LOG_LEVEL: 'info' });
      const managers: PjmProcess[] = [spawnPjm(['manager'], env), spawnPjm(['manager'], env)];
      const dispatcher = spawnPjm(['dispatcher'], { ...env, PJM_URL: url, PJM_DISPATCHER_ID: 'retries-fault' });
      t.teardown(async () => {
        for (const p of [...managers, dispatcher]) p.kill('SIGKILL');
        await Promise.all([...managers, dispatcher].map(exited));
      });
      await sleep(3000);

      const uuids: string[] = [];
      for (let i = 0; i < JOBS; i++) {
        const res = await fetch(`${url}/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ pipeline: 'flaky', data: { i } }),
        });
        uuids.push(((await res.json()) as { uuid: string }).uuid);
      }
      const launched = (): string[] =>
        existsSync(count) ? readFileSync(count, 'utf8').split('\n').filter(Boolean) : [];
      let kills = 0;
      let killedMidway = 0;
      while (kills < KILLS) {
        await sleep(200 + Math.random() * 1000);
        const i = kills % 2;
        const victim = managers[i] as PjmProcess;
        const before = launched().length;
        victim.kill('SIGKILL');
        await exited(victim);
        if (before < JOBS * MAX_ATTEMPTS) killedMidway++;
        managers[i] = spawnPjm(['manager'], env);
        kills++;
      }
      t.equal(killedMidway, KILLS, `all ${KILLS} kills landed while jobs were still failing and being retried`);

      const api = jobsApi(url);
      const histories = new Map<string, Entry[]>();
      const settled = await until('every job out of retries', scaledMs(240_000), async () => {
        for (const uuid of uuids) {
          if (histories.has(uuid)) continue;
          const history = (await api.history(uuid)) ?? [];
          if (history.at(-1)?.name === 'retries_exhausted') histories.set(uuid, history);
        }
        return histories.size === JOBS ? true : undefined;
      }).catch(() => false);
      if (!settled) {
        const counts = new Map<string, number>();
        for (const uuid of launched()) counts.set(uuid, (counts.get(uuid) ?? 0) + 1);
        for (const uuid of uuids.filter((u) => !histories.has(u)).slice(0, 5)) {
          const entries = ((await api.history(uuid)) ?? []).map((e) => `${e.name}:${e.source}`);
          t.comment(`stuck ${uuid}: ${counts.get(uuid) ?? 0} launches; ${entries.join(',')}`);
        }
      }
      t.ok(settled, `every job out of retries (${histories.size} of ${JOBS})`);
      await sleep(2000);
      const wrong = uuids.filter(
        (uuid) =>
          JSON.stringify((histories.get(uuid) ?? []).map((e) => `${e.name}:${e.source}`)) !== JSON.stringify(EXPECTED),
      );
      t.same(wrong, [], 'every history is fail → reset → ready twice, then fail → retries_exhausted: nothing doubled');
      for (const uuid of wrong.slice(0, 3))
        t.comment(uuid, JSON.stringify((await api.history(uuid)).map((e) => e.name)));
      const perJob = new Map<string, number>();
      for (const uuid of launched()) perJob.set(uuid, (perJob.get(uuid) ?? 0) + 1);
      t.same(
        uuids.filter((u) => perJob.get(u) !== MAX_ATTEMPTS),
        [],
        `every job launched exactly ${MAX_ATTEMPTS} times (${launched().length} launches in all)`,
      );
      // How many retries a kill delayed: the fail was applied, and the reset came from a restart's sweep.
      const late = [...histories.values()].flatMap((h) =>
        h.flatMap((e, i) => {
          const next = h[i + 1];
          return e.name === 'fail' && next?.name === 'reset' && Date.parse(next.date) - Date.parse(e.date) > 500
            ? [1]
            : [];
        }),
      ).length;
      t.comment(`${late} retries were written by another manager's sweep after a kill between fail and reset`);
    },
  );
}
