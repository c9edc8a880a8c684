import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { LocalEventBus } from '../adapters/bus/local/local-event-bus.js';
import { SqliteNonceStore } from '../adapters/nonce/sqlite-nonce-store.js';
import { SqliteJobStore } from '../adapters/store/sqlite/sqlite-job-store.js';
import { buildApp } from '../http/build-app.js';
import { JobTokens } from '../model/job-tokens.js';
import { buildNewJob } from '../model/new-job.js';

/**
 * The server side of the HTTP benchmark, run as a child process so that the load generator does
 * not share its event loop: the product app (bridge role: SQLite file store holding `JOBS` jobs,
 * embedded bus, no manager) and a bare fastify route, each on its own port. Prints
 * `{app, bare, jobs: [{uuid, token}]}` as one JSON line, then serves until killed.
 */
const JOBS = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'pjm-bench-http-'));
const store = new SqliteJobStore({ path: join(dir, 'jobs.db') });
await store.init();
const nonces = new SqliteNonceStore({ path: join(dir, 'jobs.db') });
await nonces.init();
const bus = new LocalEventBus({ path: join(dir, 'bus.db') });
await bus.start();
const tokens = new JobTokens('benchmark-secret-0123456789abcdef');
const jobs: Array<{ uuid: string; token: string }> = [];
const pipelines = ['photometry', 'spectra', 'calib', 'ingest'];
for (let i = 0; i < JOBS; i++) {
  const { job } = await store.create(
    buildNewJob({ pipeline: pipelines[i % pipelines.length]!, data: { i } }, { now: new Date(), source: 'bench' }),
  );
  // A job token, as POST /jobs answers: the bridge checks it against the stored job.
  jobs.push({ uuid: job.uuid, token: tokens.forJob(job.uuid, job.creator ?? '') });
}
const app = buildApp({
  store,
  bus,
  nonces,
  tokens,
  registry: new Registry(),
  rateLimit: { perSecond: 1000, burst: 1000 },
});
const bare = Fastify({ logger: false });
bare.get('/bare', async () => ({ status: 'ok' }));
bare.post('/bare', async () => ({ status: 'ok' }));
const [appAddress, bareAddress] = await Promise.all([
  app.listen({ host: '127.0.0.1', port: 0 }),
  bare.listen({ host: '127.0.0.1', port: 0 }),
]);
process.stdout.write(`${JSON.stringify({ app: appAddress, bare: bareAddress, jobs })}\n`);
// A clean exit on SIGTERM lets `--cpu-prof` write its profile.
process.once('SIGTERM', () => process.exit(0));
