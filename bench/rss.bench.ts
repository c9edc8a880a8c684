import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalEventBus } from '../adapters/bus/local/local-event-bus.js';
import { jobUuid } from '../model/job-identity.js';
import { JobTokens } from '../model/job-tokens.js';
import type { BenchRow } from './measure.js';

interface Sample {
  applied: number;
  rss: number;
}

/** Least-squares slope of rss over applied, in MB per 100,000 events. */
function slopeMbPer100k(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const mx = samples.reduce((s, p) => s + p.applied, 0) / n;
  const my = samples.reduce((s, p) => s + p.rss, 0) / n;
  const num = samples.reduce((s, p) => s + (p.applied - mx) * (p.rss - my), 0);
  const den = samples.reduce((s, p) => s + (p.applied - mx) ** 2, 0);
  return den === 0 ? Number.NaN : ((num / den) * 100_000) / 2 ** 20;
}

/**
 * Manager memory over a long run: an embedded manager in a child process applies `total`
 * events (1,000 jobs × `total / 1000`: create, run, updates, finish) that this process publishes
 * on the shared bus file; its RSS is sampled as it goes. Reports the RSS at the end and its
 * trend over the second half (flat means no leak).
 */
export async function rssBenchmarks(total: number, log: (line: string) => void): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bench-rss-'));
  const child = fork('bench/rss-manager.ts', [dir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const samples: Sample[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`RSS manager exited with ${String(code)}`)));
    });
    child.on('message', (m: Sample | { ready: true }) => {
      if ('rss' in m) samples.push(m);
    });
    const bus = new LocalEventBus({ path: join(dir, 'bus.db') });
    await bus.start();
    const tokens = new JobTokens('benchmark-secret-0123456789abcdef');
    const jobs = 1000;
    const perJob = Math.max(3, Math.floor(total / jobs));
    const pipeline = `rss-${randomUUID().slice(0, 8)}`;
    const list = Array.from({ length: jobs }, (_, i) => {
      const uuid = jobUuid(pipeline, { i });
      return { uuid, token: tokens.issue(uuid, new Date()), i };
    });
    log(`RSS: publishing ${(jobs * perJob).toLocaleString('en')} events for the manager child`);
    for (let step = 0; step < perJob; step++) {
      // Keep the backlog bounded, as a real broker's prefetch would: the figure is the manager's memory, not the queue's.
      while ((samples.at(-1)?.applied ?? 0) < step * jobs - 50_000) await sleep(50);
      await Promise.all(
        list.map(({ uuid, token, i }) => {
          const event =
            step === 0
              ? { name: 'create', pipeline, data: { i } }
              : step === 1
                ? { name: 'run', uuid, token }
                : step === perJob - 1
                  ? { name: 'finish', uuid, token }
                  : { name: 'update', uuid, token, data: { step } };
          return bus.publish(Buffer.from(JSON.stringify({ id: randomUUID(), ...event })));
        }),
      );
      if (step % 100 === 0)
        log(
          `RSS: ${(step * jobs).toLocaleString('en')} published, ${(samples.at(-1)?.applied ?? 0).toLocaleString('en')} applied, rss ${((samples.at(-1)?.rss ?? 0) / 2 ** 20).toFixed(0)} MB`,
        );
    }
    await bus.close();
    const expected = jobs * perJob;
    const deadline = Date.now() + 600_000;
    while ((samples.at(-1)?.applied ?? 0) < expected && Date.now() < deadline) await sleep(200);
    const last = samples.at(-1);
    if (last === undefined || last.applied < expected)
      throw new Error(`only ${last?.applied ?? 0} of ${expected} events applied`);
    const secondHalf = samples.filter((s) => s.applied >= expected / 2);
    return [
      {
        name: `manager RSS after ${expected.toLocaleString('en')} events (embedded)`,
        value: last.rss / 2 ** 20,
        unit: 'MB',
        baseline: { name: 'target 200 MB', value: 200 },
      },
      { name: 'manager RSS trend over the second half', value: slopeMbPer100k(secondHalf), unit: 'MB/100k events' },
      { name: 'manager RSS peak', value: Math.max(...samples.map((s) => s.rss)) / 2 ** 20, unit: 'MB' },
    ];
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}
