import type { BenchRow } from './measure.js';
import { startBullmq } from './peers/bullmq-peer.js';
import { drivePeer, IN_FLIGHT, LATENCY_RATE, type PeerResult } from './peers/drive.js';
import { PeerUnavailable, type PeerSystem } from './peers/peer.js';
import { startPgBoss } from './peers/pgboss-peer.js';
import { startPjmAmqp, startPjmEmbedded } from './peers/pjm-peer.js';
import { startAofRedis, type OwnRedis } from './peers/redis-server.js';

/** Where the peers' services are; each defaults to the service pre-started on the project's machines. */
export interface PeerServices {
  readonly redis: { readonly host: string; readonly port: number };
  readonly postgres: string;
  readonly amqp: string;
}

interface Contender {
  readonly label: string;
  readonly start: () => Promise<PeerSystem>;
}

/**
 * The same lifecycle (create → run → 2 progress updates → finish) through each system's own client:
 * BullMQ on the shared Redis (no persistence) and on a Redis with AOF `everysec` started here,
 * pg-boss on PostgreSQL, pjm embedded over HTTP and pjm over RabbitMQ. Ratios are against
 * BullMQ-AOF and pg-boss measured in the same run. A peer whose service is absent is skipped
 * with a message, or fails the run under PJM_REQUIRE_SERVICES=1. `PJM_BENCH_PEERS` keeps only the
 * systems whose label contains it (e.g. `pjm`, to profile pjm alone).
 */
export async function peerBenchmarks(services: PeerServices, log: (line: string) => void): Promise<BenchRow[]> {
  let aofRedis: OwnRedis | undefined;
  const contenders: Contender[] = [
    {
      label: 'BullMQ/Redis AOF everysec',
      start: async () => {
        aofRedis = await startAofRedis();
        const port = aofRedis.port;
        const peer = await startBullmq('BullMQ on Redis, AOF everysec', { host: '127.0.0.1', port });
        return { ...peer, close: async () => peer.close().finally(() => aofRedis?.stop()) };
      },
    },
    {
      label: 'BullMQ/Redis no persistence',
      start: () => startBullmq('BullMQ on Redis, no persistence', services.redis),
    },
    { label: 'pg-boss/PostgreSQL', start: () => startPgBoss(services.postgres) },
    { label: 'pjm embedded/HttpTransport', start: () => startPjmEmbedded() },
    { label: 'pjm AmqpTransport/SQLite', start: () => startPjmAmqp(services.amqp) },
  ];
  const only = process.env['PJM_BENCH_PEERS'];
  const chosen = only === undefined ? contenders : contenders.filter((c) => c.label.includes(only));
  if (chosen.length === 0)
    throw new Error(`PJM_BENCH_PEERS=${only} names none of: ${contenders.map((c) => c.label).join(', ')}`);
  const results = new Map<string, PeerResult>();
  for (const contender of chosen) {
    let peer: PeerSystem;
    try {
      peer = await contender.start();
    } catch (err) {
      if (!(err instanceof PeerUnavailable)) throw err;
      if (process.env['PJM_REQUIRE_SERVICES'] === '1')
        throw new Error(`PJM_REQUIRE_SERVICES=1 but ${contender.label} cannot run: ${err.message}`, { cause: err });
      log(`peers: ${contender.label} skipped: ${err.message}`);
      continue;
    }
    log(
      `peers: ${peer.name}: warm-up, 3 runs with ${IN_FLIGHT} lifecycles in flight, then ${LATENCY_RATE}/s for latency`,
    );
    try {
      const result = await drivePeer(peer, log);
      results.set(contender.label, result);
      log(`peers: ${peer.name} recorded per lifecycle: ${result.recorded}`);
    } finally {
      await peer.close();
    }
  }
  return peerRows(results);
}

function peerRows(results: ReadonlyMap<string, PeerResult>): BenchRow[] {
  const aof = results.get('BullMQ/Redis AOF everysec');
  const pgBoss = results.get('pg-boss/PostgreSQL');
  const rows: BenchRow[] = [];
  for (const [label, r] of results) {
    const vs = <K extends keyof PeerResult>(key: K): BenchRow['baseline'] =>
      aof === undefined || r === aof ? undefined : { name: 'BullMQ-AOF', value: aof[key] as number };
    const row = (name: string, value: number, unit: string, baseline?: BenchRow['baseline']): BenchRow => ({
      name,
      value,
      unit,
      ...(baseline !== undefined && { baseline }),
    });
    rows.push(row(`${label}: lifecycles/s`, r.lifecyclesPerSecond, 'lc/s', vs('lifecyclesPerSecond')));
    if (label.startsWith('pjm') && pgBoss !== undefined)
      rows.push(
        row(`${label}: lifecycles/s`, r.lifecyclesPerSecond, 'lc/s', {
          name: 'pg-boss',
          value: pgBoss.lifecyclesPerSecond,
        }),
      );
    rows.push(row(`${label}: CPU/lifecycle, all procs`, r.cpuMsPerLifecycle, 'ms', vs('cpuMsPerLifecycle')));
    rows.push(row(`${label}: CPU/lifecycle, client`, r.clientCpuMsPerLifecycle, 'ms', vs('clientCpuMsPerLifecycle')));
    rows.push(row(`${label}: p50 @ ${LATENCY_RATE}/s`, r.p50Ms, 'ms', vs('p50Ms')));
    rows.push(row(`${label}: p99 @ ${LATENCY_RATE}/s`, r.p99Ms, 'ms', vs('p99Ms')));
    rows.push(row(`${label}: peak RSS, system side`, r.peakRssBytes / 2 ** 20, 'MB'));
  }
  return rows;
}
