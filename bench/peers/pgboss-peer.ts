import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgBoss } from 'pg-boss';
import { PeerUnavailable, type PeerSystem } from './peer.js';

/** PostgreSQL's own background writers, whose CPU is part of every commit's cost. */
const WRITERS = ['walwriter', 'checkpointer', 'background writer'];

/**
 * pg-boss, driven step by step as a `PipelineJob` drives pjm, each step an awaited, committed
 * statement: `send` (create) → `fetch` (run: the job moves to active) → two progress rows →
 * `complete` (finish). pg-boss has no progress: each update is an insert into a side table
 * (`progress(job_id, at, data)`, one autocommitted statement), which also keeps them as history.
 * pg-boss's `work()` polls (a notify-enabled queue wakes it) and has no completion signal for a
 * producer; fetch/complete is pg-boss's documented manual path. A lifecycle's lane may fetch
 * another lane's job; every job sent is fetched and completed once. All of it lives in a schema of
 * its own (dropped at the end), in a pool of pg-boss's default size; the backends counted are
 * those with this run's `application_name`, plus the WAL writer, checkpointer and background writer.
 */
export async function startPgBoss(url: string): Promise<PeerSystem> {
  const suffix = randomUUID().slice(0, 8);
  const schema = `pjm_bench_${suffix}`;
  const applicationName = `pjm-bench-peers-${suffix}`;
  const queue = 'lifecycle';
  const boss = new PgBoss({ connectionString: url, schema, application_name: applicationName });
  boss.on('error', (err) => process.stderr.write(`pg-boss: ${err instanceof Error ? err.message : String(err)}\n`));
  try {
    await boss.start();
  } catch (err) {
    throw new PeerUnavailable(`no PostgreSQL at ${url} (${err instanceof Error ? err.message : String(err)})`);
  }
  const db = boss.getDb();
  await boss.createQueue(queue);
  await db.executeSql(
    `CREATE TABLE ${schema}.progress (job_id uuid NOT NULL, at ` +
      `timestamptz NOT NULL DEFAULT now(), data jsonb NOT NULL)`,
  );
  let lastId: string | undefined;
  return {
    name: 'pg-boss on PostgreSQL',
    async lifecycle(i) {
      await boss.send(queue, { i });
      let job: { id: string } | undefined;
      while (job === undefined) {
        [job] = await boss.fetch(queue);
        // Another lane holds the job sent last for an instant; ours is a moment away.
        if (job === undefined) await sleep(1);
      }
      await db.executeSql(`INSERT INTO ${schema}.progress (job_id, data) VALUES ($1, $2)`, [job.id, { step: 1 }]);
      await db.executeSql(`INSERT INTO ${schema}.progress (job_id, data) VALUES ($1, $2)`, [job.id, { step: 2 }]);
      await boss.complete(queue, job.id, { ok: true });
      lastId = job.id;
    },
    async systemPids() {
      const result = await db.executeSql(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 OR backend_type = ANY($2)',
        [applicationName, WRITERS],
      );
      return (result.rows as Array<{ pid: number }>).map((r) => r.pid);
    },
    async recorded() {
      if (lastId === undefined) return 'nothing';
      const job = await db.executeSql(`SELECT state, output FROM ${schema}.job WHERE id = $1`, [lastId]);
      const progress = await db.executeSql(`SELECT count(*)::int AS n FROM ${schema}.progress WHERE job_id = $1`, [
        lastId,
      ]);
      const row = job.rows[0] as { state: string; output: unknown } | undefined;
      const n = (progress.rows[0] as { n: number } | undefined)?.n ?? 0;
      return (
        `job row (state ${row?.state ?? '?'}, output, created_on/started_on/completed_on); ${n} ` +
        `progress rows in the side table; no record of the transitions themselves`
      );
    },
    async close() {
      await db.executeSql(`DROP SCHEMA ${schema} CASCADE`);
      await boss.stop({ graceful: false });
    },
  };
}
