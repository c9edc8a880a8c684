import { JOB_STATES, type JobState } from '../../fsm/index.js';
import type { JobDocument } from '../../model/job.js';
import type { JobStore } from '../../ports/job-store.js';

/** Most jobs counted per state: the store has no count query, so the overview pages through at most this many. */
export const COUNT_CAP = 2000;

/** Hours the throughput sparkline covers. */
const SPARK_HOURS = 24;

/** What the overview shows. */
export interface Overview {
  /** pipeline → state → jobs (at most {@link COUNT_CAP} per state in all). */
  readonly counts: ReadonlyMap<string, ReadonlyMap<JobState, number>>;
  /** States with more jobs than were counted. */
  readonly capped: ReadonlySet<JobState>;
  readonly failed: readonly JobDocument[];
  /** Jobs created per hour, oldest hour first. */
  readonly perHour: readonly number[];
  readonly perHourCapped: boolean;
}

async function pages(store: JobStore, query: Parameters<JobStore['list']>[0], cap: number) {
  const jobs: JobDocument[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, limit: Math.min(1000, cap - jobs.length), ...(cursor && { cursor }) });
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== undefined && jobs.length < cap);
  return { jobs, more: cursor !== undefined };
}

/** Reads what the overview shows, each part bounded. */
export async function readOverview(store: JobStore, now: Date): Promise<Overview> {
  const counts = new Map<string, Map<JobState, number>>();
  const capped = new Set<JobState>();
  for (const state of JOB_STATES) {
    const { jobs, more } = await pages(store, { state }, COUNT_CAP);
    if (more) capped.add(state);
    for (const job of jobs) {
      const row = counts.get(job.pipeline) ?? new Map<JobState, number>();
      row.set(state, (row.get(state) ?? 0) + 1);
      counts.set(job.pipeline, row);
    }
  }
  const failed = (await store.list({ state: ['FAILED'], limit: 10 })).jobs;
  const start = now.getTime() - SPARK_HOURS * 3_600_000;
  const recent = await pages(store, { createdSince: new Date(start).toISOString() }, 5 * COUNT_CAP);
  const perHour = new Array<number>(SPARK_HOURS).fill(0);
  for (const job of recent.jobs) {
    const hour = Math.floor((Date.parse(job.created) - start) / 3_600_000);
    if (hour >= 0 && hour < SPARK_HOURS) perHour[hour] = (perHour[hour] ?? 0) + 1;
  }
  return { counts, capped, failed, perHour, perHourCapped: recent.more };
}
