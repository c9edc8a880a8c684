import { Gauge, type Registry } from 'prom-client';
import type { JobStore } from '../ports/job-store.js';

/** Stale jobs counted per scrape at most, so a scrape stays cheap whatever happened. */
const MAX_COUNTED = 100_000;

/**
 * Registers `pjm_stale_jobs{pipeline}`: the jobs flagged stale now, per pipeline
 * (docs/heartbeats.md), counted from the store's stale index at each scrape.
 */
export function registerStaleGauge(registry: Registry, store: JobStore): Gauge<'pipeline'> {
  return new Gauge({
    name: 'pjm_stale_jobs',
    help: 'Jobs flagged stale (their lease expired with no sign of life), per pipeline',
    labelNames: ['pipeline'],
    registers: [registry],
    async collect() {
      const counts = new Map<string, number>();
      let seen = 0;
      let cursor: string | undefined;
      do {
        const page = await store.list({ stale: true, limit: 1000, ...(cursor !== undefined && { cursor }) });
        for (const job of page.jobs) counts.set(job.pipeline, (counts.get(job.pipeline) ?? 0) + 1);
        seen += page.jobs.length;
        cursor = page.nextCursor;
      } while (cursor !== undefined && seen < MAX_COUNTED);
      this.reset();
      for (const [pipeline, count] of counts) this.set({ pipeline }, count);
    },
  });
}
