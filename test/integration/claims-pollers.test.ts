import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { MongoNonceStore } from '../../adapters/nonce/mongo-nonce-store.js';
import { SqliteNonceStore } from '../../adapters/nonce/sqlite-nonce-store.js';
import { MongoJobStore } from '../../adapters/store/mongo/mongo-job-store.js';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import { buildNewJob } from '../../model/new-job.js';
import { newNonce } from '../../model/nonce-value.js';
import type { JobStore } from '../../ports/job-store.js';
import type { NonceStore } from '../../ports/nonce-store.js';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { scaled, scenarioFileTimeoutMs } from '../helpers/scale.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';

/**
 * Issue 14's acceptance: 20 site pollers, each a process of its own over HTTP, against 1,000 queued
 * jobs of one site (at PJM_TEST_SCALE 1): every job is delivered exactly once when the pollers start
 * their jobs; with 1 s leases and pollers that never start them, every job is delivered again after
 * its lease ran out, and the claim notes of a job never overlap (never two holders at once). On
 * SQLite (`pjm serve`), on the MongoDB-wire store, and with two bridges and two managers on RabbitMQ.
 */
// Six scenarios of 20 processes each, three of them on FerretDB: six times one scenario file's budget.
t.setTimeout(scenarioFileTimeoutMs() * 6);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POLLERS = 20;
const JOBS = scaled(1000, 40);
const SITE = 'ogg';
const SECRET = 'claims-pollers-secret-0123456789abcdef';
/**
 * The bridges' wait for the manager's answer. A claim answered `claim_pending` holds its jobs until
 * their lease ends (5 min in the first scenario, longer than the test); a busy shared CI machine
 * must not turn slowness into that.
 */
const WAIT_MS = '60000';

interface Delivery {
  readonly uuid: string;
  readonly until: string;
  readonly by: string;
}

interface Poller {
  readonly child: ChildProcess;
  readonly done: Promise<number | NodeJS.Signals>;
}

/** Where the scenario runs: bridge URLs, and the store and nonces its processes share (opened here too). */
interface Deployment {
  readonly urls: readonly string[];
  readonly store: JobStore;
  readonly nonces: NonceStore;
  readonly log?: () => string;
}

function startPoller(url: string, nonce: string, by: string, leaseMs: number, start: boolean, got: Delivery[]): Poller {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/claim-poller.ts', url, nonce, SITE, by, '10', String(leaseMs), start ? '1' : '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let rest = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines)
      if (line !== '') got.push({ ...(JSON.parse(line) as { uuid: string; until: string }), by });
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
    if (process.env['CLAIMS_DEBUG'] === '1') process.stderr.write(chunk);
  });
  const done = exited(child).then((code) => {
    if (code !== 0 && code !== 'SIGTERM') throw new Error(`poller ${by} exited ${code}: ${errors}`);
    return code;
  });
  return { child, done };
}

async function seed(deployment: Deployment): Promise<{ uuids: string[]; key: string }> {
  const uuids: string[] = [];
  const t0 = Date.now();
  for (let i = 0; i < JOBS; i += 100) {
    const batch = Array.from({ length: Math.min(100, JOBS - i) }, (_, k) =>
      deployment.store.create(
        buildNewJob(
          { pipeline: 'telescope', site: SITE, data: { n: i + k } },
          { now: new Date(t0 + i + k), source: 'test' },
        ),
      ),
    );
    for (const { job } of await Promise.all(batch)) uuids.push(job.uuid);
  }
  const { value, record } = newNonce({ scope: 'claim', site: SITE, label: 'pollers' }, new Date());
  await deployment.nonces.create(record);
  return { uuids, key: value };
}

/** Every job delivered exactly once, started, with one claim note each. */
async function deliveredOnce(t: Test, deployment: Deployment): Promise<void> {
  const { uuids, key } = await seed(deployment);
  const got: Delivery[] = [];
  const pollers = Array.from({ length: POLLERS }, (_, i) =>
    startPoller(deployment.urls[i % deployment.urls.length] ?? '', key, `poller-${i}`, 300_000, true, got),
  );
  await Promise.all(pollers.map((p) => p.done));
  const counts = new Map<string, number>();
  for (const d of got) counts.set(d.uuid, (counts.get(d.uuid) ?? 0) + 1);
  if (counts.size !== JOBS && process.env['CLAIMS_DEBUG'] === '1') console.error(deployment.log?.());
  t.equal(counts.size, JOBS, `all ${JOBS} jobs delivered`);
  t.same(
    [...counts].filter(([, n]) => n !== 1),
    [],
    'none delivered twice',
  );
  t.same(
    uuids.filter((u) => !counts.has(u)),
    [],
    'none lost',
  );
  let notRunning = 0;
  let notes = 0;
  for (const uuid of uuids) {
    const job = await deployment.store.get(uuid);
    if (job?.state !== 'RUNNING' || job.claim !== undefined) notRunning++;
    notes += (await deployment.store.history(uuid)).filter((h) => h.name === 'claim').length;
  }
  t.equal(notRunning, 0, 'every job started, its lease ended by the run');
  t.equal(notes, JOBS, 'one claim note per job');
}

/** With 1 s leases and jobs never started: every job comes back after its lease, never to two holders at once. */
async function redeliveredAfterExpiry(t: Test, deployment: Deployment): Promise<void> {
  const { uuids, key } = await seed(deployment);
  const got: Delivery[] = [];
  const pollers = Array.from({ length: POLLERS }, (_, i) =>
    startPoller(deployment.urls[i % deployment.urls.length] ?? '', key, `poller-${i}`, 1000, false, got),
  );
  const deadline = Date.now() + scenarioFileTimeoutMs();
  for (;;) {
    const counts = new Map<string, number>();
    for (const d of got) counts.set(d.uuid, (counts.get(d.uuid) ?? 0) + 1);
    if (uuids.every((u) => (counts.get(u) ?? 0) >= 2)) break;
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  for (const p of pollers) p.child.kill('SIGTERM');
  await Promise.all(pollers.map((p) => p.done));
  const counts = new Map<string, number>();
  for (const d of got) counts.set(d.uuid, (counts.get(d.uuid) ?? 0) + 1);
  t.same(
    uuids.filter((u) => (counts.get(u) ?? 0) < 2),
    [],
    'every job delivered again after its lease ran out',
  );
  const overlaps: string[] = [];
  let unrecorded = 0;
  for (const uuid of uuids) {
    const claims = (await deployment.store.history(uuid)).filter((h) => h.name === 'claim');
    for (let i = 1; i < claims.length; i++) {
      const previous = claims[i - 1];
      const next = claims[i];
      if (next === undefined || previous === undefined) continue;
      if (next.date < String(previous.data?.['until'])) overlaps.push(`${uuid} v${next.version}`);
      if (next.data?.['expired'] === undefined) unrecorded++;
    }
    const noted = new Set(claims.map((c) => `${String(c.data?.['by'])} ${String(c.data?.['until'])}`));
    for (const d of got.filter((x) => x.uuid === uuid))
      if (!noted.has(`${d.by} ${d.until}`)) overlaps.push(`${uuid}: a delivery without its claim note`);
  }
  t.same(overlaps, [], 'lease intervals of a job never overlap, and every delivery has its note');
  t.equal(unrecorded, 0, 'each later claim records the lease that expired');
}

function scenarios(t: Test, deploy: (t: Test) => Promise<Deployment>): void {
  t.test(`${POLLERS} pollers, ${JOBS} jobs: each delivered exactly once`, async (t) =>
    deliveredOnce(t, await deploy(t)),
  );
  t.test(`${POLLERS} pollers, 1 s leases, jobs never started: redelivered, one holder at a time`, async (t) =>
    redeliveredAfterExpiry(t, await deploy(t)),
  );
}

t.test('SQLite, embedded pjm serve', async (t) => {
  scenarios(t, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pjm-claims-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const { url, child } = await startPjmService(t, 'serve', { PJM_DATA_DIR: dir });
    const store = new SqliteJobStore({ path: join(dir, 'jobs.db') });
    const nonces = new SqliteNonceStore({ path: join(dir, 'jobs.db') });
    await store.init();
    await nonces.init();
    t.teardown(async () => {
      await nonces.close();
      await store.close();
    });
    return { urls: [url], store, nonces, log: () => child.output() };
  });
});

const mongo = serviceUrl('PJM_TEST_MONGO_URL');
const amqp = serviceUrl('PJM_TEST_AMQP_URL');

async function mongoStores(t: Test, url: string, database: string): Promise<Pick<Deployment, 'store' | 'nonces'>> {
  const store = new MongoJobStore({ url, database });
  const nonces = new MongoNonceStore({ url, database });
  await store.init();
  await nonces.init();
  t.teardown(async () => {
    await store.dropDatabase().catch(() => undefined);
    await nonces.close();
    await store.close();
  });
  return { store, nonces };
}

t.test('MongoDB-wire store (FerretDB), pjm serve', { skip: 'skip' in mongo ? mongo.skip : false }, async (t) => {
  if ('skip' in mongo) return;
  scenarios(t, async (t) => {
    const database = uniqueName('claims');
    const stores = await mongoStores(t, mongo.url, database);
    const { url } = await startPjmService(t, 'serve', {
      PJM_MONGO_URL: mongo.url,
      PJM_MONGO_DB: database,
      PJM_SECRET: SECRET,
      PJM_WAIT_TIMEOUT_MS: WAIT_MS,
    });
    return { urls: [url], ...stores };
  });
});

t.test(
  'two bridges and two managers on RabbitMQ (MongoDB-wire store)',
  { skip: 'skip' in mongo ? mongo.skip : 'skip' in amqp ? amqp.skip : false },
  async (t) => {
    if ('skip' in mongo || 'skip' in amqp) return;
    scenarios(t, async (t) => {
      const database = uniqueName('claims');
      const stores = await mongoStores(t, mongo.url, database);
      const dir = mkdtempSync(join(tmpdir(), 'pjm-claims-'));
      const env = {
        PJM_AMQP_URL: amqp.url,
        PJM_AMQP_PREFIX: uniqueName('claims'),
        PJM_MONGO_URL: mongo.url,
        PJM_MONGO_DB: database,
        PJM_SECRET: SECRET,
        PJM_DATA_DIR: dir,
        PJM_WAIT_TIMEOUT_MS: WAIT_MS,
        PJM_LOG_LEVEL: 'warn',
      };
      const managers = [
        spawnPjm(['manager'], { ...env, PJM_LOG_LEVEL: 'info' }),
        spawnPjm(['manager'], { ...env, PJM_LOG_LEVEL: 'info' }),
      ];
      t.teardown(async () => {
        for (const m of managers) m.kill('SIGKILL');
        await Promise.all(managers.map((m) => exited(m)));
        rmSync(dir, { recursive: true, force: true });
      });
      for (const m of managers)
        for (let i = 0; !m.output().includes('manager consuming'); i++) {
          if (i > 600 || m.exitCode !== null) throw new Error(`pjm manager did not start:\n${m.output()}`);
          await sleep(100);
        }
      const bridgeEnv = { ...env, PJM_LOG_LEVEL: 'info' };
      const bridges = await Promise.all([
        startPjmService(t, 'bridge', bridgeEnv),
        startPjmService(t, 'bridge', bridgeEnv),
      ]);
      return { urls: bridges.map((b) => b.url), ...stores };
    });
  },
);
