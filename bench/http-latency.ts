import { Agent, request } from 'node:http';

/** One request of a latency sample: where to send it. */
export interface SampleRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

/** Latency percentiles in milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

function once(agent: Agent, origin: URL, next: SampleRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        method: next.method,
        path: next.path,
        headers: next.body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.once('end', () =>
          res.statusCode !== undefined && res.statusCode < 300
            ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
            : reject(new Error(`HTTP ${String(res.statusCode)} for ${next.path}`)),
        );
      },
    );
    req.once('error', reject);
    req.end(next.body);
  });
}

/**
 * Latency of `count` requests from `concurrency` keep-alive connections, timed one by one with
 * the high-resolution clock (autocannon rounds to whole milliseconds, too coarse for sub-ms routes).
 */
export async function sampleLatency(
  origin: string,
  count: number,
  concurrency: number,
  next: () => SampleRequest,
): Promise<Percentiles> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(origin);
  const times: number[] = [];
  let issued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued++ < count) times.push(await once(agent, url, next()));
    }),
  );
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}
