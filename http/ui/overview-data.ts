import { JOB_STATES, type JobState } from '../../fsm/index.js';
import type { JobDocument } from '../../model/job.js';
import type { DeadLetterCount } from '../../ports/dead-letter-store.js';
import type { JobStore } from '../../ports/job-store.js';

/** Most jobs counted per state: the store has no count query, so the overview pages through at most this many. */
export const COUNT_CAP = 2000;

/** Failed jobs whose reasons the overview groups (the newest). */
export const REASONS_OF = 50;

/** Hours the throughput sparkline covers. */
const SPARK_HOURS = 24;

/** What the overview shows. */
export interface Overview {
  /** pipeline → state → jobs (at most {@link COUNT_CAP} per state in all). */
  readonly counts: ReadonlyMap<string, ReadonlyMap<JobState, number>>;
  /** States with more jobs than were counted. */
  readonly capped: ReadonlySet<JobState>;
  readonly failed: readonly JobDocument[];
  /** The newest {@link REASONS_OF} failed jobs grouped by the reason their failing event gave, most frequent first. */
  readonly reasons: ReadonlyArray<{ readonly reason: string; readonly count: number; readonly example: string }>;
  /** Jobs created per hour, oldest hour first. */
  readonly perHour: readonly number[];
  readonly perHourCapped: boolean;
  /** Jobs flagged stale (at most {@link COUNT_CAP}), and whether there are more. */
  readonly stale: { readonly count: number; readonly capped: boolean };
  /** Dead letters waiting per reason code; absent where the server keeps none. */
  readonly deadLetters?: readonly DeadLetterCount[];
}

/**
 * The dead letters as the dashboard uses them (the `DeadLetters` actor, seen through this shape so
 * the dashboard imports no actor): counts after taking in the bus's new letters, and replay by code.
 */
export interface UiDeadLetters {
  sweep(): Promise<number>;
  readonly store: { counts(): Promise<DeadLetterCount[]> };
  replayCode(code: string): Promise<{ readonly replayed: number; readonly unverified: number }>;
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

/** What a failing event's data says went wrong: its `error`, `reason`, `status` or `message`, cut to 120 characters. */
export function failureReason(data: Readonly<Record<string, unknown>> | null): string {
  for (const key of ['error', 'reason', 'status', 'message']) {
    const value = data?.[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 120);
    if (typeof value === 'object' && value !== null) {
      const inner = (value as Record<string, unknown>)['code'] ?? (value as Record<string, unknown>)['type'];
      if (typeof inner === 'string' && inner !== '') return inner.slice(0, 120);
    }
  }
  return '(no reason given)';
}

async function groupReasons(store: JobStore): Promise<Overview['reasons']> {
  const jobs = (await store.list({ state: ['FAILED'], limit: REASONS_OF })).jobs;
  const groups = new Map<string, { reason: string; count: number; example: string }>();
  for (const job of jobs) {
    const [last] = await store.history(job.uuid, { afterVersion: job.version - 1, limit: 1 });
    const reason = failureReason(last?.data ?? null);
    const group = groups.get(reason) ?? { reason, count: 0, example: job.uuid };
    group.count += 1;
    groups.set(reason, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Reads what the overview shows, each part bounded. */
export async function readOverview(store: JobStore, now: Date, deadLetters?: UiDeadLetters): Promise<Overview> {
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
  const stale = await pages(store, { stale: true }, COUNT_CAP);
  const letters =
    deadLetters === undefined ? undefined : await deadLetters.sweep().then(() => deadLetters.store.counts());
  return {
    counts,
    capped,
    failed,
    reasons: await groupReasons(store),
    perHour,
    perHourCapped: recent.more,
    stale: { count: stale.jobs.length, capped: stale.more },
    ...(letters !== undefined && { deadLetters: letters }),
  };
}
