import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { sampleLatency } from './http-latency.js';
import type { BenchRow } from './measure.js';

interface Server {
  app: string;
  bare: string;
  jobs: Array<{ uuid: string; token: string }>;
}

const DURATION_S = 8;
const CONNECTIONS = 32;

async function load(options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ duration: DURATION_S, connections: CONNECTIONS, ...options });
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/**
 * HTTP figures: `GET /jobs/:uuid`, a filtered `GET /jobs` page and bridge callbacks, each under
 * autocannon load (32 connections, 8 s) for throughput and a timed sample (8 connections) for
 * p50/p99, against the server of `http-server.ts`, next to a bare fastify route in the same
 * server process.
 */
export async function httpBenchmarks(log: (line: string) => void): Promise<BenchRow[]> {
  log('HTTP: seeding 10,000 jobs in the benchmark server');
  const child = spawn(
    process.execPath,
    [
      ...(process.env['PJM_BENCH_PROFILE_DIR']
        ? ['--cpu-prof', '--cpu-prof-dir', process.env['PJM_BENCH_PROFILE_DIR']]
        : []),
      '--import',
      'tsx',
      'bench/http-server.ts',
      '10000',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`benchmark server exited with ${String(code)}`)));
    });
    const server = JSON.parse(line) as Server;
    log('HTTP: bare fastify GET');
    const bare = await load({ url: `${server.bare}/bare` });
    log('HTTP: GET /jobs/:uuid');
    const one = await load({
      url: server.app,
      requests: [{ setupRequest: (r) => ({ ...r, path: `/jobs/${pick(server.jobs).uuid}` }) }],
    });
    log('HTTP: GET /jobs?pipeline=spectra&state=CREATED&limit=50');
    const list = await load({ url: `${server.app}/jobs?pipeline=spectra&state=CREATED&limit=50` });
    log('HTTP: bare fastify POST');
    const barePost = await load({
      url: `${server.bare}/bare`,
      method: 'POST',
      body: '{"note":"x"}',
      headers: { 'content-type': 'application/json' },
    });
    log('HTTP: POST /events (URL form, 202 after the bus confirms)');
    const callbacks = await load({
      url: server.app,
      requests: [
        {
          method: 'POST',
          setupRequest: (r) => {
            const job = pick(server.jobs);
            return {
              ...r,
              path: `/events?uuid=${job.uuid}&token=${job.token}&event=update`,
              body: '{"progress":1}',
              headers: { 'content-type': 'application/json' },
            };
          },
        },
      ],
    });
    log('HTTP: latency samples (8 connections, 20,000 requests each)');
    const bareLatency = await sampleLatency(server.bare, 20_000, 8, () => ({ method: 'GET', path: '/bare' }));
    const oneLatency = await sampleLatency(server.app, 20_000, 8, () => ({
      method: 'GET',
      path: `/jobs/${pick(server.jobs).uuid}`,
    }));
    const listLatency = await sampleLatency(server.app, 5_000, 8, () => ({
      method: 'GET',
      path: '/jobs?pipeline=spectra&state=CREATED&limit=50',
    }));
    for (const [name, result] of [
      ['bare', bare],
      ['one', one],
      ['list', list],
      ['barePost', barePost],
      ['callbacks', callbacks],
    ] as const) {
      if (result.non2xx > 0 || result.errors > 0)
        log(`HTTP ${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    }
    const bareGet = { name: 'bare fastify GET', value: bare.requests.average };
    const bareP50 = { name: 'bare GET p50', value: bareLatency.p50 };
    const bareP99 = { name: 'bare GET p99', value: bareLatency.p99 };
    return [
      { name: 'HTTP bare fastify GET route (baseline)', value: bare.requests.average, unit: 'req/s' },
      { name: 'HTTP bare fastify GET p50 (baseline)', value: bareLatency.p50, unit: 'ms' },
      { name: 'HTTP bare fastify GET p99 (baseline)', value: bareLatency.p99, unit: 'ms' },
      {
        name: 'HTTP GET /jobs/:uuid (10k jobs, SQLite)',
        value: one.requests.average,
        unit: 'req/s',
        baseline: bareGet,
      },
      { name: 'HTTP GET /jobs/:uuid p50', value: oneLatency.p50, unit: 'ms', baseline: bareP50 },
      { name: 'HTTP GET /jobs/:uuid p99', value: oneLatency.p99, unit: 'ms', baseline: bareP99 },
      {
        name: 'HTTP GET /jobs?pipeline&state&limit=50',
        value: list.requests.average,
        unit: 'req/s',
        baseline: bareGet,
      },
      { name: 'HTTP GET /jobs filtered p50', value: listLatency.p50, unit: 'ms', baseline: bareP50 },
      { name: 'HTTP GET /jobs filtered p99', value: listLatency.p99, unit: 'ms', baseline: bareP99 },
      { name: 'HTTP bare fastify POST route (baseline)', value: barePost.requests.average, unit: 'req/s' },
      {
        name: 'HTTP POST /events callbacks (embedded bus)',
        value: callbacks.requests.average,
        unit: 'req/s',
        baseline: { name: 'bare fastify POST', value: barePost.requests.average },
      },
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
}
