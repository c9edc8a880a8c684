import { setTimeout as sleep } from 'node:timers/promises';
import { opsPerSecond } from '../measure.js';
import type { PeerSystem } from './peer.js';
import { processCpuMs, RssSampler } from './proc-usage.js';

/** Lifecycles in flight during the throughput runs. */
export const IN_FLIGHT = 64;
/** Offered rate of the latency run, lifecycles per second. */
export const LATENCY_RATE = 50;
const LATENCY_SECONDS = 5;
const WARM_UP = 300;
const REPETITIONS = 3;
/** Each repetition is sized to last about this long at the warm-up's rate. */
const REPETITION_SECONDS = 3;

/** What one peer did: medians of the repetitions, the latency run and the system side's memory. */
export interface PeerResult {
  readonly lifecyclesPerSecond: number;
  readonly cpuMsPerLifecycle: number;
  /** Share of the CPU spent in the benchmark process (the clients). */
  readonly clientCpuMsPerLifecycle: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly peakRssBytes: number;
  readonly recorded: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Warm-up, then `REPETITIONS` throughput runs with `IN_FLIGHT` lifecycles in flight (CPU of this
 * process from `process.cpuUsage`, of the system's processes from /proc, over each run), then
 * lifecycles started at a fixed `LATENCY_RATE`, each timed from its first call to its finish.
 */
export async function drivePeer(peer: PeerSystem, log: (line: string) => void): Promise<PeerResult> {
  let next = 0;
  const warmUp = await opsPerSecond(WARM_UP, IN_FLIGHT, () => peer.lifecycle(next++));
  const count = Math.round(Math.min(20_000, Math.max(300, warmUp * REPETITION_SECONDS)));
  const pids = await peer.systemPids();
  const rss = new RssSampler(() => pids);
  const rates: number[] = [];
  const cpu: number[] = [];
  const clientCpu: number[] = [];
  for (let r = 0; r < REPETITIONS; r++) {
    const systemBefore = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
    const clientBefore = process.cpuUsage();
    const rate = await opsPerSecond(count, IN_FLIGHT, () => peer.lifecycle(next++));
    const client = process.cpuUsage(clientBefore);
    const clientMs = (client.user + client.system) / 1000;
    const systemMs = pids.reduce((sum, pid) => sum + processCpuMs(pid), 0) - systemBefore;
    rates.push(rate);
    cpu.push((clientMs + systemMs) / count);
    clientCpu.push(clientMs / count);
    log(
      `peers: ${peer.name}: ${count} lifecycles, ${rate.toFixed(0)}/s, ` +
        `${((clientMs + systemMs) / count).toFixed(2)} CPU ms each`,
    );
  }
  const latencies: number[] = [];
  const started: Array<Promise<void>> = [];
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / LATENCY_RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const t0 = performance.now();
    started.push(peer.lifecycle(next++).then(() => void latencies.push(performance.now() - t0)));
  }
  await Promise.all(started);
  const peakRssBytes = rss.stop();
  latencies.sort((a, b) => a - b);
  return {
    lifecyclesPerSecond: median(rates),
    cpuMsPerLifecycle: median(cpu),
    clientCpuMsPerLifecycle: median(clientCpu),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    peakRssBytes,
    recorded: await peer.recorded(),
  };
}
